import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A stand-in kiosk screen for tests and benchmarks: Xvfb showing a known image (an
 * asymmetric two-colour bitmap tiled over the root window by xsetroot) served by
 * x11vnc on 127.0.0.1 only. Needs Debian's xvfb, x11-xserver-utils and x11vnc
 * (scripts/ensure-services.mjs ensureVncTools()).
 */
export interface VncKiosk {
  port: number;
  width: number;
  height: number;
  /** The colour the known image has at (x, y). */
  expected(x: number, y: number): [number, number, number];
  stop(): Promise<void>;
}

export const FG: [number, number, number] = [0xd0, 0x20, 0x40];
export const BG: [number, number, number] = [0x20, 0xa0, 0xe0];
const TILE_W = 40;
const TILE_H = 30;

/** The tile: a frame, an L and a dot, so no shift or mirror of it matches itself. */
function tileBit(x: number, y: number): boolean {
  if (x === 0 || y === 0) return true;
  if (x >= 6 && x < 10 && y >= 6 && y < 24) return true;
  if (x >= 6 && x < 22 && y >= 20 && y < 24) return true;
  return x >= 28 && x < 34 && y >= 8 && y < 14;
}

function xbm(): string {
  const bytes: string[] = [];
  for (let y = 0; y < TILE_H; y++) {
    for (let bx = 0; bx < Math.ceil(TILE_W / 8); bx++) {
      let b = 0;
      for (let i = 0; i < 8; i++) if (bx * 8 + i < TILE_W && tileBit(bx * 8 + i, y)) b |= 1 << i;
      bytes.push(`0x${b.toString(16).padStart(2, '0')}`);
    }
  }
  return `#define tile_width ${TILE_W}\n#define tile_height ${TILE_H}\nstatic unsigned char tile_bits[] = {\n  ${bytes.join(", ")}};\n`;
}

const hex = (c: [number, number, number]) => `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;

/** `responsive`: x11vnc answers at once instead of on its 20 ms poll/defer ticks (benchmarks measure the relay, not x11vnc's pacing). */
export async function startVncKiosk(options: { width?: number; height?: number; responsive?: boolean } = {}): Promise<VncKiosk> {
  const width = options.width ?? 320;
  const height = options.height ?? 240;
  const dir = mkdtempSync(join(tmpdir(), 'wk-vnc-'));
  const children: ChildProcess[] = [];
  const stop = async () => {
    const running = [...children].reverse().filter((c) => c.exitCode === null && c.signalCode === null);
    for (const c of running) c.kill('SIGTERM');
    // x11vnc sometimes ignores SIGTERM while its display goes away.
    const hard = setTimeout(() => running.forEach((c) => c.exitCode === null && c.kill('SIGKILL')), 2000);
    await Promise.all(running.map((c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.once('exit', r)))));
    clearTimeout(hard);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    let display = 0;
    for (let attempt = 0; attempt < 20 && !display; attempt++) {
      const n = 100 + Math.floor(Math.random() * 800);
      if (!existsSync(`/tmp/.X11-unix/X${n}`) && !existsSync(`/tmp/.X${n}-lock`)) display = n;
    }
    const xvfb = spawn('Xvfb', [`:${display}`, '-screen', '0', `${width}x${height}x24`, '-nolisten', 'tcp', '-noreset'], { stdio: 'ignore' });
    children.push(xvfb);
    await waitFor(() => existsSync(`/tmp/.X11-unix/X${display}`), 10_000, 'Xvfb did not start');
    writeFileSync(join(dir, 'tile.xbm'), xbm());
    await run('xsetroot', ['-display', `:${display}`, '-bitmap', join(dir, 'tile.xbm'), '-fg', hex(FG), '-bg', hex(BG)]);
    const port = await freeTcpPort();
    const vnc = spawn('x11vnc', ['-display', `:${display}`, '-rfbport', String(port), '-localhost', '-shared', '-forever', '-nopw', '-norc', '-quiet', '-noipv6', ...(options.responsive ? ['-defer', '1', '-wait', '1'] : [])], {
      stdio: 'ignore',
    });
    children.push(vnc);
    await waitFor(() => canConnect(port), 15_000, 'x11vnc did not start');
    return {
      port,
      width,
      height,
      expected: (x, y) => (tileBit(x % TILE_W, y % TILE_H) ? FG : BG),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

export async function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, message: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(message);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}`))));
  });
}
