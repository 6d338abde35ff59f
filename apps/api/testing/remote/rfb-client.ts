import type { IncomingHttpHeaders } from 'node:http';
import WebSocket from 'ws';

/**
 * A minimal RFB viewer over a WebSocket, for tests and benchmarks: security None,
 * 32-bit true colour, Raw encoding, whole-screen updates. `frame()` returns the
 * screen as RGB bytes and the bytes it took on the wire.
 */
export class RfbClient {
  width = 0;
  height = 0;
  name = '';
  /** The headers of the server's 101 answer (e.g. which replica a balancer chose). */
  upgradeHeaders: IncomingHttpHeaders = {};
  private chunks: Buffer[] = [];
  private buffered = 0;
  private waiter?: { n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void };
  private failure?: Error;
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(private readonly ws: WebSocket) {
    ws.binaryType = 'nodebuffer';
    ws.on('message', (data: Buffer) => {
      this.chunks.push(data);
      this.buffered += data.length;
      this.pump();
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        this.failure = new Error(`closed ${code} ${reason.toString()}`);
        this.waiter?.reject(this.failure);
        this.waiter = undefined;
        resolve({ code, reason: reason.toString() });
      }),
    );
  }

  /** Opens the WebSocket; with `handshake` (default) also completes the RFB handshake. */
  static async open(url: string, options: { headers?: Record<string, string>; handshake?: boolean } = {}): Promise<RfbClient> {
    const ws = new WebSocket(url, ['binary'], { headers: options.headers, perMessageDeflate: false });
    let upgradeHeaders: IncomingHttpHeaders = {};
    ws.once('upgrade', (res) => (upgradeHeaders = res.headers));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    const client = new RfbClient(ws);
    client.upgradeHeaders = upgradeHeaders;
    if (options.handshake !== false) await client.handshake();
    return client;
  }

  async handshake(): Promise<void> {
    const version = (await this.read(12)).toString('latin1');
    if (!version.startsWith('RFB ')) throw new Error(`not an RFB server: ${JSON.stringify(version)}`);
    this.send(Buffer.from('RFB 003.008\n'));
    const count = (await this.read(1))[0];
    if (count === 0) throw new Error(`refused: ${await this.readReason()}`);
    const types = [...(await this.read(count))];
    if (!types.includes(1)) throw new Error(`no security type None among ${types}`);
    this.send(Buffer.from([1]));
    if ((await this.read(4)).readUInt32BE(0) !== 0) throw new Error(`security failed: ${await this.readReason()}`);
    this.send(Buffer.from([1])); // shared
    const init = await this.read(24);
    this.width = init.readUInt16BE(0);
    this.height = init.readUInt16BE(2);
    this.name = (await this.read(init.readUInt32BE(20))).toString('utf8');
    // 32 bpp, depth 24, little endian, true colour, 255 each, shifts R16 G8 B0; Raw encoding only.
    this.send(Buffer.from([0, 0, 0, 0, 32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0]));
    this.send(Buffer.from([2, 0, 0, 1, 0, 0, 0, 0]));
  }

  /** The whole screen (or one area of it, placed in a whole-screen RGB buffer). */
  async frame(area?: { x: number; y: number; w: number; h: number }): Promise<{ rgb: Buffer; bytes: number }> {
    const req = Buffer.alloc(10);
    req[0] = 3;
    req.writeUInt16BE(area?.x ?? 0, 2);
    req.writeUInt16BE(area?.y ?? 0, 4);
    req.writeUInt16BE(area?.w ?? this.width, 6);
    req.writeUInt16BE(area?.h ?? this.height, 8);
    this.send(req);
    const rgb = Buffer.alloc(this.width * this.height * 3);
    let bytes = 0;
    for (;;) {
      const type = (await this.read(1))[0];
      bytes++;
      if (type === 2) continue; // bell
      if (type === 3) {
        const len = (await this.read(7)).readUInt32BE(3);
        await this.read(len);
        bytes += 7 + len;
        continue;
      }
      if (type !== 0) throw new Error(`unexpected server message ${type}`);
      const rects = (await this.read(3)).readUInt16BE(1);
      bytes += 3;
      for (let i = 0; i < rects; i++) {
        const h = await this.read(12);
        bytes += 12;
        const [x, y, w, hh, enc] = [h.readUInt16BE(0), h.readUInt16BE(2), h.readUInt16BE(4), h.readUInt16BE(6), h.readInt32BE(8)];
        if (enc !== 0) throw new Error(`unexpected encoding ${enc}`);
        const px = await this.read(w * hh * 4);
        bytes += px.length;
        for (let r = 0; r < hh; r++) {
          for (let c = 0; c < w; c++) {
            const s = (r * w + c) * 4;
            const d = ((y + r) * this.width + (x + c)) * 3;
            rgb[d] = px[s + 2];
            rgb[d + 1] = px[s + 1];
            rgb[d + 2] = px[s];
          }
        }
      }
      return { rgb, bytes };
    }
  }

  pointer(x: number, y: number, mask = 0): void {
    const b = Buffer.alloc(6);
    b[0] = 5;
    b[1] = mask;
    b.writeUInt16BE(x, 2);
    b.writeUInt16BE(y, 4);
    this.send(b);
  }

  /** A KeyEvent: the key `keysym` pressed (or released). */
  key(keysym: number, down = true): void {
    const b = Buffer.alloc(8);
    b[0] = 4;
    b[1] = down ? 1 : 0;
    b.writeUInt32BE(keysym, 4);
    this.send(b);
  }

  /** A text message beside the RFB bytes, as the console sends them. */
  console(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  send(bytes: Buffer): void {
    this.ws.send(bytes, { binary: true });
  }

  close(): void {
    this.ws.close();
  }

  private async readReason(): Promise<string> {
    const len = (await this.read(4)).readUInt32BE(0);
    return (await this.read(len)).toString('utf8');
  }

  private read(n: number): Promise<Buffer> {
    if (this.failure && this.buffered < n) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiter = { n, resolve, reject };
      this.pump();
    });
  }

  private pump(): void {
    const w = this.waiter;
    if (!w || this.buffered < w.n) return;
    this.waiter = undefined;
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    this.chunks = all.length > w.n ? [all.subarray(w.n)] : [];
    this.buffered -= w.n;
    w.resolve(all.subarray(0, w.n));
  }
}

/** Share of pixels within `tolerance` of the known image. */
export function matchRatio(rgb: Uint8Array | Buffer, width: number, height: number, expected: (x: number, y: number) => [number, number, number], channels = 3, tolerance = 24): number {
  let ok = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * channels;
      const e = expected(x, y);
      if (Math.abs(rgb[i] - e[0]) <= tolerance && Math.abs(rgb[i + 1] - e[1]) <= tolerance && Math.abs(rgb[i + 2] - e[2]) <= tolerance) ok++;
    }
  }
  return ok / (width * height);
}
