import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SCREEN_COLOURS, SCREEN_HEIGHT, SCREEN_WIDTH, TEXT_COLOUR } from './kiosk-screen';
import { KioskSimulator } from './kiosks';
import { freePortRange } from './ports';

let sim: KioskSimulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

/** Reads exact byte counts off a socket, as a viewer does. */
class Wire {
  private buffered = Buffer.alloc(0);
  private waiter?: () => void;
  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.waiter?.();
    });
    socket.on('close', () => this.waiter?.());
  }
  async read(n: number): Promise<Buffer> {
    while (this.buffered.length < n) {
      if (this.socket.destroyed) throw new Error(`closed with ${this.buffered.length} of ${n} bytes`);
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
    const head = this.buffered.subarray(0, n);
    this.buffered = this.buffered.subarray(n);
    return head;
  }
}

/** The handshake of a viewer asking for security None; returns the ServerInit's size and name. */
async function handshake(wire: Wire) {
  expect((await wire.read(12)).toString()).toBe('RFB 003.008\n');
  wire.socket.write('RFB 003.008\n');
  expect([...(await wire.read(2))]).toEqual([1, 1]);
  wire.socket.write(Buffer.from([1]));
  expect((await wire.read(4)).readUInt32BE(0)).toBe(0);
  wire.socket.write(Buffer.from([1])); // shared
  const init = await wire.read(24);
  const name = (await wire.read(init.readUInt32BE(20))).toString();
  return { width: init.readUInt16BE(0), height: init.readUInt16BE(2), bitsPerPixel: init[4], name };
}

async function startKiosk() {
  const base = await freePortRange(4);
  // Any 127.0.0.0/8 address is this machine's: the kiosk's own, as the API would store it.
  const screen = { ip: `127.77.${1 + (base % 200)}.${10 + (base % 90)}`, port: base + 3 };
  sim = new KioskSimulator({
    kiosks: [{ kioskId: 'K1', mac: KioskSimulator.macFor(0), code: 'MZ-1F-01', initiallyOn: true, screen }],
    udpBasePort: base,
    vncBasePort: base + 1,
    controlPort: base + 2,
    shutdownDelayMs: 10,
  });
  await sim.start();
  return { sim, screen };
}

describe('simulated kiosk screen (RFB 3.8)', () => {
  it('serves a full Raw update of its picture on its own loopback address, in the pixel format the viewer asks for', async () => {
    const { sim, screen } = await startKiosk();
    expect(sim.state('K1')).toMatchObject({ power: 'on', screen: `${screen.ip}:${screen.port}` });
    const wire = new Wire(net.connect(screen.port, screen.ip));
    expect(await handshake(wire)).toEqual({
      width: SCREEN_WIDTH,
      height: SCREEN_HEIGHT,
      bitsPerPixel: 32,
      name: 'MZ-1F-01',
    });

    // noVNC's format: red in the low byte; then encodings, a key (ignored) and a request.
    const setFormat = Buffer.alloc(20);
    setFormat.set([32, 24, 0, 1], 4);
    [255, 255, 255].forEach((m, i) => setFormat.writeUInt16BE(m, 8 + 2 * i));
    setFormat.set([0, 8, 16], 14);
    const encodings = Buffer.from([2, 0, 0, 2, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0x21]);
    const key = Buffer.from([4, 1, 0, 0, 0, 0, 0, 0x41]);
    const request = Buffer.from([3, 0, 0, 0, 0, 0, SCREEN_WIDTH >> 8, SCREEN_WIDTH & 0xff, 0, SCREEN_HEIGHT]);
    wire.socket.write(Buffer.concat([setFormat, encodings, key, request]));

    const head = await wire.read(16);
    expect(head[0]).toBe(0);
    expect(head.readUInt16BE(2)).toBe(1);
    expect([
      head.readUInt16BE(4),
      head.readUInt16BE(6),
      head.readUInt16BE(8),
      head.readUInt16BE(10),
      head.readInt32BE(12),
    ]).toEqual([0, 0, SCREEN_WIDTH, SCREEN_HEIGHT, 0]);
    const pixels = await wire.read(SCREEN_WIDTH * SCREEN_HEIGHT * 4);
    const rgbAt = (i: number) => [pixels[i * 4], pixels[i * 4 + 1], pixels[i * 4 + 2]];
    expect(rgbAt(0)).toEqual(SCREEN_COLOURS.on);
    const lit = Array.from({ length: SCREEN_WIDTH * SCREEN_HEIGHT }, (_, i) => rgbAt(i)).filter(
      (p) => p.join() === TEXT_COLOUR.join(),
    );
    expect(lit.length).toBeGreaterThan(500); // the code and the clock
    wire.socket.destroy();
  });

  it("drops its viewers when it powers off, and greets probes on the agents' port too", async () => {
    const { sim, screen } = await startKiosk();
    const probe = new Wire(net.connect(sim.state('K1').vncPort, '127.0.0.1'));
    expect((await probe.read(12)).toString()).toBe('RFB 003.008\n');
    probe.socket.destroy();

    const wire = new Wire(net.connect(screen.port, screen.ip));
    await handshake(wire);
    const closed = new Promise((resolve) => wire.socket.once('close', resolve));
    await fetch(`${sim.controlUrl}/kiosks/K1/shutdown`, { method: 'POST' });
    await sim.waitForState('K1', 'off', 2000);
    await closed;
  });

  it('closes on a version it does not speak', async () => {
    const { screen } = await startKiosk();
    const wire = new Wire(net.connect(screen.port, screen.ip));
    await wire.read(12);
    const closed = new Promise((resolve) => wire.socket.once('close', resolve));
    wire.socket.write('HTTP/1.1 200\n');
    await closed;
  });
});
