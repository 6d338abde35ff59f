import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { join, resolve } from 'node:path';
import type { AppConfig } from '../src/config/config';
import { until } from './wait';

/**
 * Real processes for fault tests: the compiled API (ROLE=api or worker) on a test's
 * database and Redis prefix, and a `redis-server` of the test's own on a free
 * loopback port (never the machine's shared Redis), each of which a test can kill,
 * freeze or start again.
 */
const root = resolve(__dirname, '../../..');
const apiMain = join(root, 'apps/api/dist/apps/api/src/main.js');

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

const exited = (c: ChildProcess) => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => c.once('exit', () => r())));

export interface ServiceProcess {
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr (JSON log lines for the API). */
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

function track(child: ChildProcess): ServiceProcess {
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  return {
    child,
    output: () => output,
    async kill(signal = 'SIGTERM') {
      child.kill(signal);
      await exited(child);
    },
  };
}

/** `redis-server` without persistence: a restart after a kill starts empty, as after a crash of an unpersisted Redis. */
export async function startRedisServer(port?: number): Promise<ServiceProcess & { port: number; url: string }> {
  const p = port ?? (await freePort());
  const child = spawn('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const redis = { ...track(child), port: p, url: `redis://127.0.0.1:${p}` };
  await until(
    async () => {
      if (child.exitCode !== null) throw new Error(`redis-server exited: ${redis.output()}`);
      return redis.output().includes('Ready to accept connections');
    },
    10_000,
    50,
  );
  return redis;
}

/**
 * The compiled API (npx tsc -b apps/api) in a process of its own, with the test's
 * database, Redis, prefix and session secret, plus `env` (ROLE, dispatch settings,
 * TEST_CLOCK_OFFSET_S...). ROLE=api or all listens on `env.PORT`, else on a free
 * loopback port (`url`). A variable set to undefined in `env` is left out (e.g.
 * SESSION_SECRET, for replicas that must agree on sessions by themselves).
 */
export async function startServiceProcess(config: AppConfig, env: Record<string, string | undefined>): Promise<ServiceProcess & { url: string }> {
  if (!existsSync(apiMain)) throw new Error(`build the API first (npx tsc -b apps/api): ${apiMain} is missing`);
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const child = spawn(process.execPath, [apiMain], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      DB_HOST: config.db.host,
      DB_PORT: String(config.db.port),
      DB_USER: config.db.user,
      DB_PASSWORD: config.db.password,
      DB_NAME: config.db.database,
      REDIS_URL: config.redis.url,
      REDIS_PREFIX: config.redis.prefix,
      ...(config.session.secret && { SESSION_SECRET: config.session.secret }),
      LOG_LEVEL: 'info',
      ...env,
    },
  });
  const service = { ...track(child), url: `http://127.0.0.1:${port}` };
  const started = (env.ROLE ?? 'all') === 'worker' ? /worker started/ : /is listening on/;
  await until(
    async () => {
      if (child.exitCode !== null) throw new Error(`${env.ROLE} process exited ${child.exitCode}: ${service.output()}`);
      return started.test(service.output());
    },
    30_000,
    50,
  );
  return service;
}
