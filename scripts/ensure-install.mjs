// Installs dependencies when node_modules is missing or older than the lock file,
// so that `npm start` and `npm test` work on a fresh clone with nothing else typed.
import { execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const lock = readFileSync(new URL('../package-lock.json', import.meta.url));
const hash = createHash('sha256').update(lock).digest('hex');
const marker = new URL('../node_modules/.wakeward-lock-hash', import.meta.url);

if (!existsSync(marker) || readFileSync(marker, 'utf8') !== hash) {
  console.log('[setup] installing dependencies (npm ci)...');
  execSync('npm ci --no-audit --no-fund', { cwd: root, stdio: 'inherit' });
  writeFileSync(marker, hash);
}
