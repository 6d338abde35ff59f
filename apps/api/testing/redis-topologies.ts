import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './service-processes';
import { until } from './wait';

/**
 * Redis as operators run it, for the tests of how the API connects: a Sentinel
 * watching a master, a 3-master Cluster, a server that refuses CONFIG as managed
 * services do. All are the test's own `redis-server` processes on free loopback
 * ports with their files in a temporary directory: the machine's Redis is never touched.
 */
export interface RedisProcesses {
  /** Everything the processes wrote, for a failing test's message. */
  output(): string;
  stop(): Promise<void>;
}

const run = promisify(execFile);

function startProcess(args: string[], dir: string): { child: ChildProcess; output: () => string } {
  const child = spawn('redis-server', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  return { child, output: () => output };
}

async function ready(proc: { child: ChildProcess; output: () => string }): Promise<void> {
  await until(
    async () => {
      if (proc.child.exitCode !== null) throw new Error(`redis-server exited: ${proc.output()}`);
      return /Ready to accept connections|Sentinel ID is/.test(proc.output());
    },
    10_000,
    50,
  );
}

function stopAll(procs: Array<{ child: ChildProcess }>, dir: string): () => Promise<void> {
  return async () => {
    await Promise.all(
      procs.map(({ child }) =>
        child.exitCode !== null || child.signalCode !== null ? undefined : new Promise<void>((r) => (child.once('exit', () => r()), child.kill()))),
    );
    rmSync(dir, { recursive: true, force: true });
  };
}

const serverArgs = (port: number) => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'];

/**
 * A master, a replica of it and one Sentinel that watches them under `masterName`
 * (quorum 1); with `passwords`, Redis and the Sentinel each require theirs. `failover()` makes the replica the master, as Sentinel does when the
 * master fails, and resolves once the Sentinel names the new one and has made the
 * old master its replica.
 */
export async function startSentinel(
  masterName: string,
  passwords: { redis?: string; sentinel?: string } = {},
): Promise<RedisProcesses & { masterPort: number; replicaPort: number; sentinelPort: number; failover(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'wk-sentinel-'));
  const [masterPort, replicaPort, sentinelPort] = [await freePort(), await freePort(), await freePort()];
  const auth = passwords.redis ? ['--requirepass', passwords.redis, '--masterauth', passwords.redis] : [];
  const master = startProcess([...serverArgs(masterPort), ...auth], dir);
  const replica = startProcess([...serverArgs(replicaPort), ...auth, '--replicaof', '127.0.0.1', String(masterPort)], dir);
  const procs = [master, replica];
  const stop = stopAll(procs, dir);
  const cli = (port: number, password: string | undefined, ...args: string[]) =>
    run('redis-cli', ['-p', String(port), ...(password ? ['--no-auth-warning', '-a', password] : []), ...args]).then((r) => r.stdout);
  const sentinelCli = (...args: string[]) => cli(sentinelPort, passwords.sentinel, 'sentinel', ...args);
  try {
    await Promise.all(procs.map(ready));
    // Sentinel rewrites its configuration file: it must be a file of its own, writable.
    const conf = join(dir, 'sentinel.conf');
    const lines = [`port ${sentinelPort}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} 1`];
    if (passwords.redis) lines.push(`sentinel auth-pass ${masterName} ${passwords.redis}`);
    if (passwords.sentinel) lines.push(`requirepass ${passwords.sentinel}`);
    writeFileSync(conf, [...lines, ''].join('\n'));
    const sentinel = startProcess([conf, '--sentinel'], dir);
    procs.push(sentinel);
    await ready(sentinel);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    masterPort,
    replicaPort,
    sentinelPort,
    output: () => procs.map((p) => p.output()).join('\n'),
    stop,
    async failover() {
      // While roles change, a server drops its clients ("Connection reset by peer"): such an answer means "not yet".
      const answer = (asked: Promise<string>) => asked.catch(() => '');
      // A forced failover promotes the replica as it is: wait until it has synced (Redis 7 waits 5 s before a
      // diskless full sync), or an empty replica becomes the master and every session is gone.
      await until(async () => /master_link_status:up/.test(await answer(cli(replicaPort, passwords.redis, 'info', 'replication'))), 30_000, 250);
      // The Sentinel learns of the replica from the master's INFO (every 10 s) and of its link state after.
      await until(async () => /flags\s+slave\s/.test(await answer(sentinelCli('replicas', masterName))), 30_000, 250);
      await until(async () => /OK/.test(await answer(sentinelCli('failover', masterName))), 20_000, 500);
      await until(async () => (await answer(sentinelCli('get-master-addr-by-name', masterName))).includes(String(replicaPort)), 30_000, 250);
      // The old master is made a replica of the new one (and its clients are disconnected) a moment later.
      await until(async () => (await answer(cli(masterPort, passwords.redis, 'role'))).startsWith('slave'), 30_000, 250);
    },
  };
}

/** A port whose cluster bus port (port + 10000) is free as well. */
async function freeClusterPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + 10_000 <= 65_535 && (await portFree(port + 10_000))) return port;
  }
}

async function portFree(port: number): Promise<boolean> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Three masters, no replicas, every slot assigned (`redis-cli --cluster create`). */
export async function startCluster(): Promise<RedisProcesses & { ports: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'wk-cluster-'));
  const ports: number[] = [];
  while (ports.length < 3) {
    const port = await freeClusterPort();
    if (!ports.includes(port)) ports.push(port);
  }
  const procs = ports.map((port) =>
    startProcess([...serverArgs(port), '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--dir', dir], dir),
  );
  const stop = stopAll(procs, dir);
  try {
    await Promise.all(procs.map(ready));
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes']);
    await until(async () => {
      const infos = await Promise.all(ports.map((p) => run('redis-cli', ['-p', String(p), 'cluster', 'info'])));
      return infos.every(({ stdout }) => stdout.includes('cluster_state:ok'));
    }, 20_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { ports, output: () => procs.map((p) => p.output()).join('\n'), stop };
}

/** A server that refuses CONFIG, as ElastiCache and Memorystore do (`rename-command CONFIG ""`). */
export async function startServerWithoutConfigCommand(): Promise<RedisProcesses & { port: number; url: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'wk-noconfig-'));
  const port = await freePort();
  const conf = join(dir, 'redis.conf');
  writeFileSync(conf, ['rename-command CONFIG ""', ''].join('\n'));
  const server = startProcess([conf, ...serverArgs(port), '--dir', dir], dir);
  await ready(server);
  return { port, url: `redis://127.0.0.1:${port}`, output: server.output, stop: stopAll([server], dir) };
}
