import type { AddressInfo } from 'node:net';
import { decodeFrame, encodeFrame, Frame, FrameType } from '@wakeward/agent-protocol';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import type { Agent } from '../agents/agent.entity';
import { until } from '../../testing/wait';
import { AgentChannel, AgentRelayHub } from './agent-relay.hub';
import { HIGH_WATER } from './relay-socket';
import { KioskConnectError, ScreenClose } from './screen-errors';

/**
 * An agent's relay channel on its own, over a real WebSocket on loopback, with a
 * stand-in agent that speaks the frames by hand: the stream life cycle, pauses and
 * ping/pong it shares with the relay hop (relay-socket.ts), seen from the channel's side.
 */
const agent = { id: 'agent-1', name: 'pi-1', tokenHash: 'x' } as Agent;

describe("an agent's relay channel", () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));

  /** The hub's side of one channel, and the stand-in agent's socket with every frame it received. */
  async function channel(agentOptions: WebSocket.ClientOptions = {}) {
    const hub = new AgentRelayHub();
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    const attached = new Promise<AgentChannel>((resolve) => wss.once('connection', (ws) => resolve(hub.attach(agent, ws))));
    await new Promise((r) => wss.once('listening', r));
    const far = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, { perMessageDeflate: false, ...agentOptions });
    const frames: Frame[] = [];
    far.on('message', (data) => frames.push(decodeFrame(data as Buffer)!));
    cleanups.push(() => {
      far.terminate();
      hub.closeAll();
      wss.close();
    });
    return { hub, channel: await attached, far, frames };
  }

  it('a stream the agent opens carries bytes both ways; its PAUSE holds the writer until RESUME, then drain', async () => {
    const { channel: c, far, frames } = await channel();
    const opening = c.openStream('127.0.0.1', 5900, 1000);
    await until(async () => frames.some((f) => f.type === FrameType.OPEN), 2000, 10);
    const id = frames[0].streamId;
    far.send(encodeFrame(FrameType.OPENED, id));
    const stream = await opening;
    const received: string[] = [];
    stream.onData((chunk) => received.push(chunk.toString()));
    far.send(encodeFrame(FrameType.DATA, id, 'RFB 003.008\n'));
    await until(async () => received.join('') === 'RFB 003.008\n', 2000, 10);
    expect(stream.write(Buffer.from('hello'))).toBe(true);
    await until(async () => frames.some((f) => f.type === FrameType.DATA && f.payload.toString() === 'hello'), 2000, 10);

    let drained = 0;
    stream.onDrain(() => drained++);
    far.send(encodeFrame(FrameType.PAUSE, id));
    // The PAUSE frame has arrived once a write is refused.
    await until(async () => !stream.write(Buffer.from('more')), 2000, 10);
    expect(drained).toBe(0);
    far.send(encodeFrame(FrameType.RESUME, id));
    await until(async () => drained === 1, 2000, 10);
    expect(stream.write(Buffer.from('again'))).toBe(true);
  });

  it('a channel above HIGH_WATER refuses writes until it drains', async () => {
    const { channel: c, far, frames } = await channel();
    const opening = c.openStream('127.0.0.1', 5900, 1000);
    await until(async () => frames.some((f) => f.type === FrameType.OPEN), 2000, 10);
    far.send(encodeFrame(FrameType.OPENED, frames[0].streamId));
    const stream = await opening;
    // The stand-in agent stops reading: the channel's queue grows past HIGH_WATER.
    far.pause();
    let drained = false;
    stream.onDrain(() => (drained = true));
    const chunk = Buffer.alloc(64 << 10);
    let offered = 0;
    while (stream.write(chunk) && offered < 64 * HIGH_WATER) offered += chunk.length;
    expect(c.bufferedAmount).toBeGreaterThan(HIGH_WATER);
    far.resume();
    await until(async () => drained, 10_000, 10);
  });

  it('an agent that never answers OPEN: after the wait the viewer is told the kiosk gave no answer, and the agent is told to drop the stream', async () => {
    const { channel: c, frames } = await channel();
    const refusal = await c.openStream('127.0.0.1', 5900, 100).catch((e: KioskConnectError) => e);
    expect(refusal).toMatchObject({ reason: ScreenClose.KIOSK_OFF, message: 'agent pi-1 got no answer from the kiosk in time' });
    const id = frames[0].streamId;
    await until(async () => frames.some((f) => f.type === FrameType.CLOSE && f.streamId === id), 2000, 10);
    expect(c.streamCount).toBe(0);
  }, 15_000);

  it('pings the agent: one that stops answering is dropped and its open streams end with AGENT_LOST; one that answers stays', async () => {
    const answering = await channel();
    const silent = await channel({ autoPong: false });
    const opening = silent.channel.openStream('127.0.0.1', 5900, 1000);
    await until(async () => silent.frames.some((f) => f.type === FrameType.OPEN), 2000, 10);
    silent.far.send(encodeFrame(FrameType.OPENED, silent.frames[0].streamId));
    const stream = await opening;
    let ended: KioskConnectError | null | undefined;
    stream.onClose((reason) => (ended = reason));

    expect([answering.channel.ping(), silent.channel.ping()]).toEqual([true, true]);
    await new Promise((r) => setTimeout(r, 300));
    expect([answering.channel.ping(), silent.channel.ping()]).toEqual([true, false]);
    await until(async () => !silent.hub.isConnected(agent.id), 2000, 10);
    expect(ended).toMatchObject({ reason: ScreenClose.AGENT_LOST, message: 'agent pi-1 lost its relay channel' });
    expect(answering.hub.isConnected(agent.id)).toBe(true);
  });
});
