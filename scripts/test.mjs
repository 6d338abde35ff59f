// `npm test`: install what is missing, lint the whole tree (the import boundaries of
// eslint.config.mjs fail the run), make sure MySQL and Redis run, then run every
// project's tests with vitest. Extra arguments go to vitest (e.g. `npm test -- api`).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ensureChromium, ensureComposeValidator, ensureFaultTools, ensureHaproxy, ensureServices, ensureVncTools } from './ensure-services.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env }).status ?? 1;

if (run('node', ['scripts/ensure-install.mjs']) !== 0) process.exit(1);
// Before anything slow: a boundary crossed is found in seconds.
if (run('npm', ['run', '--silent', 'lint']) !== 0) process.exit(1);
await ensureServices();
ensureChromium();
ensureVncTools();
ensureFaultTools();
ensureHaproxy();
ensureComposeValidator();
// Agent processes that tests start (node --import tsx) load the workspace libraries
// through their package entry points, i.e. their compiled dist/; worker processes
// run the compiled API.
if (run('npx', ['tsc', '-b', 'libs/scheduler', 'libs/wol', 'libs/agent-protocol', 'apps/api']) !== 0) process.exit(1);
// vitest strips types without checking them: the API's tests and test kits are
// type-checked here, so a moved module or a changed signature fails before any test runs.
if (run('npx', ['tsc', '-p', 'apps/api/tsconfig.spec.json']) !== 0) process.exit(1);
process.exit(run('npx', ['vitest', 'run', ...process.argv.slice(2)]));
