// Makes sure MariaDB/MySQL and Redis answer on their configured ports, starting the
// local Debian services when they are down. Used by `npm start`, `npm test` and CI.
import { execSync } from 'node:child_process';
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

if (import.meta.url === `file://${process.argv[1]}`) {
  ensureServices().catch((err) => {
    console.error(`[setup] ${err.message}`);
    process.exit(1);
  });
}
