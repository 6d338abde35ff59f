// Makes sure MariaDB/MySQL and Redis answer on their configured ports, starting the
// local Debian services when they are down. Used by `npm start`, `npm test` and CI.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';

const services = [
  {
    name: 'MySQL/MariaDB',
    host: process.env.DB_HOST ?? '127.0.0.1',
    port: Number(process.env.DB_PORT ?? 3306),
    start: 'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd',
  },
  {
    name: 'Redis',
    host: process.env.REDIS_HOST ?? '127.0.0.1',
    port: Number(process.env.REDIS_PORT ?? 6379),
    start:
      'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log',
  },
];

function answers(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(1000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

export async function ensureServices() {
  for (const s of services) {
    if (await answers(s.host, s.port)) continue;
    const local = s.host === '127.0.0.1' || s.host === 'localhost';
    if (!local) throw new Error(`${s.name} does not answer on ${s.host}:${s.port}`);
    console.log(`[setup] ${s.name} is down on ${s.host}:${s.port}; starting it`);
    try {
      execSync(s.start, { stdio: 'inherit' });
    } catch (err) {
      throw new Error(`${s.name} could not be started (${s.start}): ${err.message}`);
    }
    const deadline = Date.now() + 60_000;
    while (!(await answers(s.host, s.port))) {
      if (Date.now() > deadline) throw new Error(`${s.name} did not come up on ${s.host}:${s.port} within 60 s`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/**
 * The console's browser tests drive Debian's Chromium (playwright-core cannot
 * download a browser here). Installs it with apt when it is missing.
 */
export function ensureChromium() {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (existsSync(path)) return;
  console.log(`[setup] ${path} is missing; installing Debian's chromium (a few minutes, once)`);
  try {
    execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium', { stdio: 'inherit' });
  } catch (err) {
    throw new Error(`could not install chromium (run "apt-get install chromium" as root, or set CHROMIUM_PATH): ${err.message}`);
  }
}

/**
 * Remote-screen tests and the relay benchmark stand in for a kiosk with a real VNC
 * server on an X virtual framebuffer, and compare with Debian's websockify. Installs
 * what is missing (xvfb, xsetroot, x11vnc, websockify) with apt.
 */
export function ensureVncTools() {
  const wanted = { Xvfb: 'xvfb', xsetroot: 'x11-xserver-utils', x11vnc: 'x11vnc', websockify: 'websockify' };
  const missing = Object.entries(wanted)
    .filter(([bin]) => !['/usr/bin', '/usr/local/bin'].some((dir) => existsSync(`${dir}/${bin}`)))
    .map(([, pkg]) => pkg);
  if (!missing.length) return;
  console.log(`[setup] installing ${missing.join(', ')} for the remote-screen tests (once)`);
  try {
    execSync(`apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing.join(' ')}`, { stdio: 'inherit' });
  } catch (err) {
    throw new Error(`could not install ${missing.join(', ')} (run "apt-get install ${missing.join(' ')}" as root): ${err.message}`);
  }
}

/**
 * The Pi agent's fault tests run the agent under strace (power cut: every record
 * synced before it is acknowledged), speak sd_notify through systemd-notify to a
 * supervisor in the test, and check the shipped unit with systemd-analyze. Installs
 * what is missing (strace, systemd; no running systemd is needed) with apt.
 */
export function ensureFaultTools() {
  const wanted = { strace: 'strace', 'systemd-analyze': 'systemd', 'systemd-notify': 'systemd', python3: 'python3' };
  const missing = [
    ...new Set(
      Object.entries(wanted)
        .filter(([bin]) => !['/usr/bin', '/bin'].some((dir) => existsSync(`${dir}/${bin}`)))
        .map(([, pkg]) => pkg),
    ),
  ];
  if (!missing.length) return;
  console.log(`[setup] installing ${missing.join(', ')} for the agent's fault tests (once)`);
  try {
    execSync(`apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing.join(' ')}`, { stdio: 'inherit' });
  } catch (err) {
    // The tests that need them say so and skip; everything else still runs.
    console.warn(`[setup] could not install ${missing.join(', ')}: ${err.message}`);
  }
}

/**
 * Debian's HAProxy: the tests check deploy/haproxy.cfg with `haproxy -c` and run the
 * API replicas behind it. Installs it with apt when missing.
 */
export function ensureHaproxy() {
  if (['/usr/sbin/haproxy', '/usr/bin/haproxy', '/usr/local/sbin/haproxy'].some((path) => existsSync(path))) return;
  console.log('[setup] installing haproxy for the load-balancer tests (once)');
  try {
    execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy', { stdio: 'inherit' });
  } catch (err) {
    throw new Error(`could not install haproxy (run "apt-get install haproxy" as root): ${err.message}`);
  }
}

/**
 * Debian's docker-compose (v1, no Docker engine needed for `config`): the tests load
 * docker-compose.yml with Compose's own loader. Installs it with apt when missing.
 */
export function ensureComposeValidator() {
  if (['/usr/bin/docker-compose', '/usr/local/bin/docker-compose'].some((path) => existsSync(path))) return;
  console.log('[setup] installing docker-compose to check docker-compose.yml (once)');
  try {
    execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose', { stdio: 'inherit' });
  } catch (err) {
    throw new Error(`could not install docker-compose (run "apt-get install docker-compose" as root): ${err.message}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  ensureServices().catch((err) => {
    console.error(`[setup] ${err.message}`);
    process.exit(1);
  });
}
