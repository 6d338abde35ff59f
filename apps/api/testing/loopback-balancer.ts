import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './service-processes';
import { until } from './wait';

const shippedConfig = resolve(__dirname, '../../../deploy/haproxy.cfg');

/**
 * deploy/haproxy.cfg as shipped, with only its Docker-specific lines swapped for
 * loopback ones: the same balancing, checks, headers and timeouts in front of API
 * processes on this machine. `checkInterval` (e.g. '1s') shortens the health checks'
 * period so a test need not wait 10 s for a replica to be taken out. `servedByHeader`
 * adds a response header naming the server that answered (`api-1`, `api-2`...), so a
 * test can see which replica each request reached.
 */
export function loopbackBalancerConfig(options: { port: number; servers: number[]; checkInterval?: string; servedByHeader?: string }): string {
  const lines = readFileSync(shippedConfig, 'utf8').split('\n');
  const out: string[] = [];
  let inResolvers = false;
  for (const line of lines) {
    if (/^resolvers /.test(line)) inResolvers = true;
    else if (inResolvers && /^\S/.test(line)) inResolvers = false;
    if (inResolvers) continue;
    if (/^\s*bind :\d+$/.test(line)) out.push(`  bind 127.0.0.1:${options.port}`);
    else if (/^\s*server-template /.test(line)) out.push(...options.servers.map((p, i) => `  server api-${i + 1} 127.0.0.1:${p} check`));
    else if (/^\s*default-server /.test(line)) {
      if (options.servedByHeader) out.push(`  http-response set-header ${options.servedByHeader} %[srv_name]`);
      const server = line.replace(/ resolvers \S+/, '').replace(/ init-addr \S+/, '');
      out.push(options.checkInterval ? server.replace(/ inter \S+/, ` inter ${options.checkInterval}`) : server);
    } else out.push(line);
  }
  const text = out.join('\n');
  if (!text.includes('127.0.0.1:') || /server-template|resolvers/.test(text)) throw new Error('deploy/haproxy.cfg changed shape: adapt loopbackBalancerConfig');
  return text;
}

export interface LoopbackBalancer {
  port: number;
  url: string;
  config: string;
  output(): string;
  stop(): Promise<void>;
}

/** Debian's HAProxy (scripts/ensure-services.mjs ensureHaproxy) with loopbackBalancerConfig, in the foreground. */
export async function startLoopbackBalancer(options: { servers: number[]; checkInterval?: string; servedByHeader?: string }): Promise<LoopbackBalancer> {
  const port = await freePort();
  const config = loopbackBalancerConfig({ port, ...options });
  const dir = mkdtempSync(join(tmpdir(), 'wk-haproxy-'));
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, config);
  const child = spawn('/usr/sbin/haproxy', ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until(async () => {
      if (child.exitCode !== null) throw new Error(`haproxy exited ${child.exitCode}: ${output}`);
      return new Promise<boolean>((ok) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          ok(true);
          socket.end();
        });
        socket.on('error', () => ok(false));
      });
    }, 10_000, 50);
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, url: `http://127.0.0.1:${port}`, config, output: () => output, stop };
}
