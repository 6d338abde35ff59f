import dgram from 'node:dgram';
import fs from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { intToIpv4 } from './subnet';
import { magicPacket } from './packet';
import { MagicPacketSender, WakeSendError, sendMagicPacket, sendMagicPackets } from './send';

interface Captured {
  data: Buffer;
  at: number;
}

const listeners: dgram.Socket[] = [];
afterEach(() => {
  for (const s of listeners.splice(0)) s.close();
});

/** Bytes waiting in the receive queue of the loopback UDP socket on `port` (Linux's /proc/net/udp). */
function receiveQueueBytes(port: number): number {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const line = fs
    .readFileSync('/proc/net/udp', 'utf8')
    .split('\n')
    .find((l) => l.trim().split(/\s+/)[1] === local);
  if (!line) throw new Error(`no UDP socket on 127.0.0.1:${port} in /proc/net/udp`);
  const [, rxQueue] = line.trim().split(/\s+/)[4]!.split(':');
  return parseInt(rxQueue!, 16);
}

/** A real UDP socket on loopback that records every datagram it receives. */
async function capture(): Promise<{ port: number; packets: Captured[]; waitFor(n: number): Promise<void> }> {
  const socket = dgram.createSocket('udp4');
  listeners.push(socket);
  const packets: Captured[] = [];
  const waiters: Array<() => void> = [];
  socket.on('message', (data) => {
    packets.push({ data, at: performance.now() });
    waiters.forEach((w) => w());
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    port: socket.address().port,
    packets,
    waitFor: (n) =>
      new Promise<void>((resolve) => {
        const check = () => packets.length >= n && resolve();
        waiters.push(check);
        check();
      }),
  };
}

describe('sendMagicPacket over loopback', () => {
  it('delivers the exact packet the requested number of times, spaced by the interval', async () => {
    const rx = await capture();
    const result = await sendMagicPacket('00-1A-2B-3C-4D-5E', {
      address: '127.0.0.1',
      port: rx.port,
      repeat: 4,
      intervalMs: 40,
    });
    await rx.waitFor(4);
    expect(result).toEqual({ sent: 4, bytes: 102 });
    expect(rx.packets).toHaveLength(4);
    const expected = [
      ...Array(6).fill(0xff),
      ...Array.from({ length: 16 }, () => [0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e]).flat(),
    ];
    for (const p of rx.packets) expect([...p.data]).toEqual(expected);
    for (let i = 1; i < 4; i++) {
      const gap = rx.packets[i]!.at - rx.packets[i - 1]!.at;
      expect(gap).toBeGreaterThanOrEqual(35);
      expect(gap).toBeLessThan(400);
    }
  });

  it('carries the SecureOn password', async () => {
    const rx = await capture();
    await sendMagicPacket('00:1a:2b:3c:4d:5e', {
      address: '127.0.0.1',
      port: rx.port,
      repeat: 1,
      password: 'de:ad:be:ef:00:01',
    });
    await rx.waitFor(1);
    expect(rx.packets[0]!.data.equals(magicPacket('00:1a:2b:3c:4d:5e', { password: 'de:ad:be:ef:00:01' }))).toBe(true);
    expect([...rx.packets[0]!.data.subarray(102)]).toEqual([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01]);
  });

  it('works with the broadcast flag set when asked', async () => {
    const rx = await capture();
    await sendMagicPacket('00:1a:2b:3c:4d:5e', {
      address: '127.0.0.1',
      port: rx.port,
      repeat: 2,
      intervalMs: 1,
      broadcast: true,
    });
    await rx.waitFor(2);
    expect(rx.packets).toHaveLength(2);
  });

  it('stops repeating when aborted', async () => {
    const rx = await capture();
    const controller = new AbortController();
    const sending = sendMagicPacket('00:1a:2b:3c:4d:5e', {
      address: '127.0.0.1',
      port: rx.port,
      repeat: 10,
      intervalMs: 1000,
      signal: controller.signal,
    });
    await rx.waitFor(1);
    controller.abort();
    expect((await sending).sent).toBe(1);
  });

  it('refuses targets that are not explicit, valid addresses', async () => {
    await expect(sendMagicPacket('00:1a:2b:3c:4d:5e', { address: 'kiosk-7' })).rejects.toThrow(WakeSendError);
    await expect(sendMagicPacket('00:1a:2b:3c:4d:5e', { address: intToIpv4(0xffffffff) })).rejects.toThrow(
      /limited broadcast/,
    );
    await expect(sendMagicPacket('00:1a:2b:3c:4d:5e', { address: '127.0.0.1', port: 70000 })).rejects.toThrow(
      /between 1 and 65535/,
    );
  });

  it('wakes many kiosks in one go, each on its own port, bad targets failing alone', async () => {
    const receivers = await Promise.all([capture(), capture(), capture()]);
    const macs = ['00:1a:2b:3c:4d:01', '00:1a:2b:3c:4d:02', '00:1a:2b:3c:4d:03'];
    const outcomes = await sendMagicPackets(
      [
        { mac: macs[0]!, address: '127.0.0.1', port: receivers[0]!.port },
        { mac: 'bogus', address: '127.0.0.1', port: receivers[1]!.port },
        { mac: macs[2]!, address: '127.0.0.1', port: receivers[2]!.port, broadcast: true, password: '1.2.3.4' },
        { mac: macs[1]!, address: 'not-an-ip' },
      ],
      { repeat: 2, intervalMs: 100 },
    );
    expect(outcomes.map((o) => [o.sent, o.error?.code])).toEqual([
      [2, undefined],
      [0, 'MAC_INVALID'],
      [2, undefined],
      [0, 'WOL_TARGET_INVALID'],
    ]);
    await receivers[0]!.waitFor(2);
    await receivers[2]!.waitFor(2);
    expect(receivers[0]!.packets.every((p) => p.data.equals(magicPacket(macs[0]!)))).toBe(true);
    expect(receivers[2]!.packets.every((p) => p.data.equals(magicPacket(macs[2]!, { password: '1.2.3.4' })))).toBe(
      true,
    );
    expect(receivers[1]!.packets).toHaveLength(0);
    // Round 1 reaches every kiosk before round 2 starts. Times are when the receiving
    // loop read the packets, which can be a few ms late: hence the margins.
    expect(Math.abs(receivers[0]!.packets[0]!.at - receivers[2]!.packets[0]!.at)).toBeLessThan(25);
    expect(receivers[0]!.packets[1]!.at - receivers[0]!.packets[0]!.at).toBeGreaterThanOrEqual(60);
  });

  it('puts each packet on the socket as its send is issued, not a tick later', async () => {
    const kiosk = await capture();
    const sender = new MagicPacketSender();
    const target = [{ mac: '00:1a:2b:3c:4d:5e', address: '127.0.0.1', port: kiosk.port }];
    await sender.prepare(target);
    const sending = sender.send(target, { repeat: 1 });
    // send() reaches the socket within a few microtasks (its awaits on what prepare()
    // opened); next ticks, where dgram's own lookup would send from, run only after those.
    for (let i = 0; i < 3; i++) await null;
    expect(receiveQueueBytes(kiosk.port)).toBeGreaterThan(0);
    expect(await sending).toEqual([{ sent: 1, bytes: 102 }]);
    await kiosk.waitFor(1);
    sender.close();
  });

  it('yields to the event loop while it issues a large batch', async () => {
    const kiosk = await capture();
    const events: string[] = [];
    const send = dgram.Socket.prototype.send;
    const spy = vi.spyOn(dgram.Socket.prototype, 'send').mockImplementation(function (
      this: dgram.Socket,
      ...args: unknown[]
    ) {
      events.push('issued');
      const result = (send as (...a: unknown[]) => void).apply(this, args);
      // The first packet is on the socket when its send() returns (test above); this
      // marks when the sender first yields (next ticks run then).
      if (events.length === 1) process.nextTick(() => events.push('yielded'));
      return result;
    });
    try {
      const targets = Array.from({ length: 1000 }, (_, i) => ({
        mac: `02:00:00:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`,
        address: '127.0.0.1',
        port: kiosk.port,
      }));
      const outcomes = await sendMagicPackets(targets, { repeat: 1 });
      expect(outcomes.every((o) => o.sent === 1 && !o.error)).toBe(true);
    } finally {
      spy.mockRestore();
    }
    expect(events.filter((e) => e === 'issued')).toHaveLength(1000);
    // A batch issued in one go would keep the event loop (timers, sockets) waiting until its end.
    expect(events.indexOf('yielded')).toBeGreaterThan(0);
    expect(events.indexOf('yielded')).toBeLessThan(200);
  });
});

describe('MagicPacketSender (long-lived, as in an agent)', () => {
  it('sends from one socket across wakes, prepared ahead, and refuses after close', async () => {
    const rx = await capture();
    const sources = new Set<number>();
    const listener = listeners.at(-1)!;
    listener.on('message', (_data, info) => sources.add(info.port));
    const sender = new MagicPacketSender();
    const targets = [
      { mac: '00:1a:2b:3c:4d:5e', address: '127.0.0.1', port: rx.port },
      { mac: 'not-a-mac', address: '127.0.0.1', port: rx.port },
    ];
    await sender.prepare(targets);
    const first = await sender.send(targets, { repeat: 1 });
    const second = await sender.send(targets, { repeat: 2, intervalMs: 5 });
    await rx.waitFor(3);
    expect(first.map((o) => o.sent)).toEqual([1, 0]);
    expect(first[1]!.error?.code).toBe('MAC_INVALID');
    expect(second[0]).toEqual({ sent: 2, bytes: 102 });
    expect(rx.packets.every((p) => p.data.equals(magicPacket('00:1a:2b:3c:4d:5e')))).toBe(true);
    expect(sources.size).toBe(1);
    sender.close();
    await expect(sender.send(targets.slice(0, 1))).rejects.toMatchObject({ code: 'WOL_SEND_FAILED' });
  });

  it('opens a new socket for the next wake after its socket failed', async () => {
    const rx = await capture();
    const sender = new MagicPacketSender();
    const target = [{ mac: '00:1a:2b:3c:4d:5e', address: '127.0.0.1', port: rx.port }];
    await sender.prepare(target);
    // What a vanished bind address looks like from here: sends on the socket fail.
    const sockets = (sender as unknown as { sockets: Map<string, Promise<dgram.Socket>> }).sockets;
    (await [...sockets.values()][0]!).close();
    const broken = await sender.send(target, { repeat: 1 });
    expect(broken[0]!.error?.code).toBe('WOL_SEND_FAILED');
    await new Promise((r) => setImmediate(r));
    const next = await sender.send(target, { repeat: 1 });
    expect(next[0]).toEqual({ sent: 1, bytes: 102 });
    await rx.waitFor(1);
    sender.close();
  });
});
