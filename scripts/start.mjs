// `npm start`: everything a newcomer needs, from a fresh clone, in one command.
// Installs what is missing, makes sure MySQL and Redis run, builds, migrates, loads
// the demo data, then runs the API + worker (serving the console) in demo mode, and a
// simulated fleet: kiosks on loopback addresses and ports and two agents per site,
// which carry the demo's screens.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { claimLock, demoInstanceNames, portIsFree } from './demo-instance.mjs';
import { readableLine } from './demo-log.mjs';
import { ensureServices } from './ensure-services.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const started = Date.now();
// Each checkout's demo has its own database and Redis keys, so two checkouts on one
// machine never seed or enrol into each other's.
const instance = demoInstanceNames(root);
const env = {
  NODE_ENV: 'development',
  DEMO: 'true',
  PORT: '3000',
  DB_NAME: instance.dbName,
  REDIS_PREFIX: instance.redisPrefix,
  // The demo kiosks' addresses are loopback ones (127.x, each simulated kiosk's screen
  // listens on its own), which the screen relay refuses otherwise.
  REMOTE_ALLOW_TARGETS: '127.0.0.0/8',
  // A notification channel of the demo may point at a receiver on this machine.
  NOTIFY_ALLOW_TARGETS: '127.0.0.0/8',
  ...process.env,
};
// A readable summary by default; every JSON log line with `npm start -- --json` (or LOG_FORMAT=json).
const jsonLogs = process.argv.includes('--json') || env.LOG_FORMAT === 'json';
const show = (stream, onLine = () => {}) =>
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
    onLine(line);
    const shown = jsonLogs ? line : readableLine(line);
    if (shown !== null) console.log(shown);
  });
const step = (label, cmd, args) => {
  console.log(`[start] ${label}`);
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  if (result.status !== 0) {
    console.error(`[start] failed: ${label}`);
    process.exit(result.status ?? 1);
  }
};

const lock = claimLock(join(root, '.wakeward', 'demo.lock'));
if (lock.heldBy) {
  console.error(`[start] another \`npm start\` (pid ${lock.heldBy}) runs from this checkout; stop it first`);
  process.exit(1);
}
process.on('exit', () => lock.release());
if (!(await portIsFree(Number(env.PORT)))) {
  console.error(`[start] port ${env.PORT} is in use (another \`npm start\`?); choose another: PORT=3001 npm start`);
  process.exit(1);
}

step('checking dependencies', 'node', ['scripts/ensure-install.mjs']);
console.log('[start] checking MySQL/MariaDB and Redis');
await ensureServices();
step('building API, agent and console', 'npm', ['run', '--silent', 'build']);
const cli = 'apps/api/dist/apps/api/src/cli.js';
step('migrating the database', 'node', [cli, 'migrate']);
step('loading demo data', 'node', [cli, 'seed-demo']);

const api = spawn('node', ['apps/api/dist/apps/api/src/main.js'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env });
let announced = false;
show(api.stdout, (line) => {
  if (!announced && line.includes('is listening on')) {
    announced = true;
    const url = `http://localhost:${env.PORT}`;
    console.log(`
  Wakeward is running (demo mode), ready in ${((Date.now() - started) / 1000).toFixed(1)} s
    console   ${url}/
    API docs  ${url}/api/docs
    health    ${url}/readyz
    data      database ${env.DB_NAME}, Redis prefix ${env.REDIS_PREFIX} (DB_NAME, REDIS_PREFIX to change)
  Demo accounts (password: demo-password): admin, ops, staff-a, staff-b, viewer
  Simulated kiosks and agents (loopback only) start in a moment.
  ${jsonLogs ? 'Every log line as JSON.' : 'Dispatches, alerts, warnings and errors show below (`npm start -- --json` for every log line).'}
  Stop with Ctrl+C.
`);
  }
});
// The simulated fleet (kiosks on loopback, two agents per site) once the API answers.
// Its enrolments are kept per database: tokens from another one would be refused.
let fleet;
const startFleet = () => {
  fleet = spawn(
    'node',
    ['apps/pi-agent/dist/apps/pi-agent/src/main.js', 'demo-fleet', '--api-url', `http://127.0.0.1:${env.PORT}`, '--state-dir', `.wakeward/demo-agents/${env.DB_NAME}`],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env },
  );
  show(fleet.stdout);
  fleet.on('exit', (code) => code && console.error(`[start] the simulated fleet stopped (exit ${code}); the API keeps running`));
};
const waitForApi = setInterval(async () => {
  const ok = await fetch(`http://127.0.0.1:${env.PORT}/readyz`).then((r) => r.ok, () => false);
  if (ok) {
    clearInterval(waitForApi);
    startFleet();
  }
}, 500);

const stop = (signal) => {
  fleet?.kill(signal);
  api.kill(signal);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
api.on('exit', (code) => {
  fleet?.kill('SIGTERM');
  process.exit(code ?? 0);
});
