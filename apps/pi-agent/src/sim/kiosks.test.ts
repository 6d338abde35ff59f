import dgram from 'node:dgram';
import { magicPacket } from '@wakeward/wol';
import { afterEach, describe, expect, it } from 'vitest';
import { tcpProbe } from '../commands/probe';
import { freePortRange } from './ports';
import { KioskSimulator } from './kiosks';

let sim: KioskSimulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

async function send(packet: Buffer, port: number): Promise<void> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) =>
    socket.send(packet, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())),
  );
  socket.close();
}

async function startSim(count: number) {
  const base = await freePortRange(count * 2 + 1);
  sim = new KioskSimulator({
    kiosks: KioskSimulator.kioskSpecs(count),
    udpBasePort: base,
    vncBasePort: base + count,
    controlPort: base + count * 2,
    bootDelayMs: 50,
    shutdownDelayMs: 20,
  });
  await sim.start();
  return sim;
}

describe('KioskSimulator', () => {
  it('boots only on a magic packet carrying its own MAC, then answers on its VNC port', async () => {
    const s = await startSim(2);
    const [k1, k2] = s.states();
    expect((await tcpProbe('127.0.0.1', k1!.vncPort, 500)).up).toBe(false);

    // k2's packet sent to k1's port, and garbage: both ignored.
    await send(magicPacket(k2!.mac), k1!.wolPort);
    await send(Buffer.alloc(102, 0xff), k1!.wolPort);
    await new Promise((r) => setTimeout(r, 100));
    expect(s.state(k1!.kioskId)).toMatchObject({ power: 'off', packetsRejected: 2, packetsAccepted: 0 });

    await send(magicPacket(k1!.mac), k1!.wolPort);
    await s.waitForState(k1!.kioskId, 'on', 2000);
    expect((await tcpProbe('127.0.0.1', k1!.vncPort, 500)).up).toBe(true);
    expect(s.state(k2!.kioskId).power).toBe('off');
  });

  it('powers off on POST /kiosks/:id/shutdown and stops answering', async () => {
    const s = await startSim(1);
    const [k] = s.states();
    await send(magicPacket(k!.mac), k!.wolPort);
    await s.waitForState(k!.kioskId, 'on', 2000);
    const res = await fetch(`${s.controlUrl}/kiosks/${k!.kioskId}/shutdown`, { method: 'POST' });
    expect(res.status).toBe(202);
    await s.waitForState(k!.kioskId, 'off', 2000);
    expect((await tcpProbe('127.0.0.1', k!.vncPort, 500)).up).toBe(false);
    expect(s.state(k!.kioskId)).toMatchObject({ boots: 1, shutdowns: 1 });
    expect((await fetch(`${s.controlUrl}/kiosks/NOPE/shutdown`, { method: 'POST' })).status).toBe(404);
  });

  it('refuses to bind outside loopback', () => {
    expect(
      () => new KioskSimulator({ kiosks: [], host: '0.0.0.0', udpBasePort: 1, vncBasePort: 1, controlPort: 1 }),
    ).toThrow(/127\.0\.0\.0\/8/);
  });
});
