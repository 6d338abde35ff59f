import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './service-processes';
import { until } from './wait';

/**
 * Debian's HAProxy (scripts/ensure-services.mjs ensureHaproxy()) in front of API
 * processes, set as the deployment example's balancer (deploy/haproxy.cfg on the
 * deployment branch: round robin, no stickiness, /readyz checks, X-Forwarded-For,
 * long-poll and WebSocket timeouts, a refused connection retried on another server),
 * on loopback, with two differences for tests: health checks every 500 ms instead of
 * 5 s, and each response names the server that answered in SERVED_BY_HEADER, so a
 * test can see requests alternate.
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
    return `  server ${b.name} ${hostname}:${p} check`;
  });
  return [
    'global',
    'defaults',
    '  mode http',
    '  option forwardfor',
    '  timeout connect 5s',
    // Longer than an agent's long poll (at most 30 s); WebSockets live by `tunnel`.
    '  timeout client 75s',
    '  timeout server 75s',
    '  timeout http-request 15s',
    '  timeout http-keep-alive 15s',
    '  timeout queue 30s',
    '  timeout tunnel 1h',
    '  timeout client-fin 10s',
    // A replica that dies refuses connections: retried, the last time on another server.
    '  retries 2',
    '  option redispatch',
    'frontend wakeward',
    `  bind 127.0.0.1:${port}`,
    '  default_backend api',
    'backend api',
    '  balance roundrobin',
    '  option httpchk GET /readyz',
    '  http-check expect status 200',
    `  http-response set-header ${SERVED_BY_HEADER} %[srv_name]`,
    // Two failures take a replica out, two successes put it back (as deployed; only faster).
    '  default-server inter 500ms fall 2 rise 2',
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
  const child = spawn('haproxy', ['-f', configFile, '-db'], {
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
