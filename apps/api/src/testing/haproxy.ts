import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './service-processes';
import { until } from './wait';

/**
 * Debian's HAProxy (scripts/ensure-services.mjs ensureHaproxy()) in front of API
 * processes, as a deployment runs it: round robin, no stickiness of any kind, health
 * checks on /readyz, and a connection refused by a dead server retried on another
 * (what `option redispatch` is for). Listens on a free loopback port. Each response
 * names the server that answered in SERVED_BY_HEADER, so a test can see requests
 * alternate.
 */
export const SERVED_BY_HEADER = 'x-served-by';

export interface LoadBalancer {
  /** http://127.0.0.1:<port> */
  url: string;
  /** What HAProxy wrote (alerts and warnings; it logs no requests). */
  output(): string;
  stop(): Promise<void>;
}

export interface Backend {
  name: string;
  /** http://127.0.0.1:<port> of one API process. */
  url: string;
}

export function haproxyConfig(port: number, backends: Backend[]): string {
  const servers = backends.map((b) => {
    const { hostname, port: p } = new URL(b.url);
    if (!/^127\./.test(hostname)) throw new Error(`the test balancer only forwards to loopback, not ${hostname}`);
    // Checked every 500 ms: down after 2 failures, up again after 1 success.
    return `  server ${b.name} ${hostname}:${p} check inter 500ms fall 2 rise 1`;
  });
  return [
    'global',
    '  maxconn 2000',
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    // Longer than the agents' long poll (wait + slack); WebSockets live by `tunnel`.
    '  timeout client 60s',
    '  timeout server 60s',
    '  timeout tunnel 1h',
    '  retries 3',
    '  option redispatch 1',
    'frontend wakeward',
    `  bind 127.0.0.1:${port}`,
    '  default_backend api',
    'backend api',
    '  balance roundrobin',
    '  option httpchk GET /readyz',
    '  http-check expect status 200',
    `  http-response set-header ${SERVED_BY_HEADER} %[srv_name]`,
    ...servers,
    '',
  ].join('\n');
}

/** Starts `haproxy -db` (foreground) with haproxyConfig in a temporary directory; stop() kills it and removes the directory. */
export async function startHaproxy(backends: Backend[]): Promise<LoadBalancer> {
  const dir = mkdtempSync(join(tmpdir(), 'wk-haproxy-'));
  const port = await freePort();
  const configFile = join(dir, 'haproxy.cfg');
  writeFileSync(configFile, haproxyConfig(port, backends));
  const child = spawn(process.env.HAPROXY_PATH ?? '/usr/sbin/haproxy', ['-f', configFile, '-db'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const spawnFailure = new Promise<Error>((resolve) => child.once('error', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until(
      async () => {
        const failed = await Promise.race([spawnFailure, Promise.resolve(null)]);
        if (failed)
          throw new Error(`haproxy could not start (scripts/ensure-services.mjs ensureHaproxy): ${failed.message}`);
        if (child.exitCode !== null) throw new Error(`haproxy exited ${child.exitCode}: ${output}`);
        return accepts(port);
      },
      10_000,
      50,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `http://127.0.0.1:${port}`, output: () => output, stop };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}
