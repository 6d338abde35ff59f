import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { until } from '../../testing/wait';
import { HIGH_WATER } from './relay-socket';
import { connectThroughReplica, pipeHop, refuseHop } from './relay-hop';
import { KioskConnectError, ScreenClose } from './screen-errors';
import type { Upstream } from './upstream';

/**
 * The hop between replicas on its own, over a real WebSocket on loopback: the holding
 * replica's side (pipeHop) around a stand-in agent stream, the viewer's side
 * (connectThroughReplica) as the screen session uses it. Back-pressure follows the
 * local relay's rules both ways, and the far end's reasons arrive with their codes.
 */
class AgentStreamStandIn implements Upstream {
  readonly route = 'agent' as const;
  readonly agentId = 'agent-1';
  paused = false;
  /** What write() answers: false = the kiosk's side is full. */
  accepting = true;
  written = 0;
  closed = false;
  private dataListener?: (chunk: Buffer) => void;
  private drainListener?: () => void;
  private closeListener?: (reason: KioskConnectError | null) => void;
  write(chunk: Buffer): boolean {
    this.written += chunk.length;
    return this.accepting;
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  close(): void {
    this.closed = true;
  }
  onData(listener: (chunk: Buffer) => void): void {
    this.dataListener = listener;
  }
  onDrain(listener: () => void): void {
    this.drainListener = listener;
  }
  onClose(listener: (reason: KioskConnectError | null) => void): void {
    this.closeListener = listener;
  }
  emit(chunk: Buffer): void {
    this.dataListener?.(chunk);
  }
  drain(): void {
    this.accepting = true;
    this.drainListener?.();
  }
  end(reason: KioskConnectError | null): void {
    this.closeListener?.(reason);
  }
}

const agent1 = { id: 'agent-1', name: 'pi-1' };

describe('the relay hop between replicas', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));

  /** A holding replica whose every hop gets `serve` (a stand-in agent stream, or a refusal). */
  async function holdingReplica(serve: (ws: import('ws').WebSocket) => void) {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    wss.on('connection', (ws) => {
      ws.pause();
      serve(ws);
    });
    await new Promise((r) => wss.once('listening', r));
    cleanups.push(() => {
      for (const c of wss.clients) c.terminate();
      wss.close();
    });
    const { port } = wss.address() as AddressInfo;
    return { id: 'replica-a', url: `http://127.0.0.1:${port}`, lastSeen: Date.now(), channels: 1 };
  }

  it('bytes both ways; a viewer that stops reading pauses the agent stream past HIGH_WATER, and resumes it', async () => {
    const agent = new AgentStreamStandIn();
    const replica = await holdingReplica((ws) => pipeHop(ws, agent, 30_000));
    const hop = await connectThroughReplica(replica, agent1, 'ticket', 2000);
    cleanups.push(() => hop.close());
    let received = 0;
    hop.onData((chunk) => (received += chunk.length));

    agent.emit(Buffer.from('RFB 003.008\n'));
    await until(async () => received === 12, 2000, 10);
    expect(hop.write(Buffer.alloc(1000))).toBe(true);
    await until(async () => agent.written === 1000, 2000, 10);

    // The viewer's side is full: the hop stops reading, and the holding replica pauses the agent's stream.
    hop.pause();
    const chunk = Buffer.alloc(64 << 10);
    let sent = 0;
    while (!agent.paused && sent < 64 * HIGH_WATER) {
      agent.emit(chunk);
      sent += chunk.length;
      await new Promise((r) => setImmediate(r));
    }
    expect(agent.paused).toBe(true);
    hop.resume();
    await until(async () => !agent.paused, 5000, 10);
    await until(async () => received === 12 + sent, 5000, 10);
  });

  it("a kiosk side that is full stops the viewer's bytes at the hop: write() says false, then drain", async () => {
    const agent = new AgentStreamStandIn();
    agent.accepting = false;
    const replica = await holdingReplica((ws) => pipeHop(ws, agent, 30_000));
    const hop = await connectThroughReplica(replica, agent1, 'ticket', 2000);
    cleanups.push(() => hop.close());
    let drained = false;
    hop.onDrain(() => (drained = true));
    const chunk = Buffer.alloc(64 << 10);
    let accepted = true;
    let offered = 0;
    while (accepted && offered < 64 * HIGH_WATER) {
      accepted = hop.write(chunk);
      offered += chunk.length;
      await new Promise((r) => setImmediate(r));
    }
    expect(accepted).toBe(false);
    // The holding replica read one message and stopped: the rest waits in the line and in the viewer's buffer.
    expect(agent.written).toBeLessThan(offered);
    agent.drain();
    await until(async () => drained, 5000, 10);
    await until(async () => agent.written === offered, 5000, 10);
  });

  it("the far end's reasons reach the viewer's side with their codes, before and after the stream opened", async () => {
    const refused = await holdingReplica((ws) =>
      refuseHop(ws, new KioskConnectError(ScreenClose.VNC_PORT_CLOSED, 'the kiosk answers but its VNC port is closed (10.1.2.17:5900)')),
    );
    await expect(connectThroughReplica(refused, agent1, 'ticket', 2000)).rejects.toMatchObject({
      reason: ScreenClose.VNC_PORT_CLOSED,
      message: 'the kiosk answers but its VNC port is closed (10.1.2.17:5900)',
    });

    const agent = new AgentStreamStandIn();
    const replica = await holdingReplica((ws) => pipeHop(ws, agent, 30_000));
    const hop = await connectThroughReplica(replica, agent1, 'ticket', 2000);
    const ended = new Promise<KioskConnectError | null>((resolve) => hop.onClose(resolve));
    agent.end(new KioskConnectError(ScreenClose.AGENT_LOST, 'agent pi-3 lost its relay channel'));
    expect(await ended).toMatchObject({ reason: ScreenClose.AGENT_LOST, message: 'agent pi-3 lost its relay channel' });

    // An ordinary end is no error; the viewer closing ends the agent's stream.
    const agent2 = new AgentStreamStandIn();
    const replica2 = await holdingReplica((ws) => pipeHop(ws, agent2, 30_000));
    const hop2 = await connectThroughReplica(replica2, agent1, 'ticket', 2000);
    const ended2 = new Promise<KioskConnectError | null>((resolve) => hop2.onClose(resolve));
    agent2.end(null);
    expect(await ended2).toBeNull();
    const hop3 = await connectThroughReplica(replica2, agent1, 'ticket', 2000);
    hop3.close();
    await until(async () => agent2.closed, 2000, 10);
  });

  it('pings the hop: a viewer replica that stops answering is dropped and the agent stream closed; one that answers stays', async () => {
    const silentAgent = new AgentStreamStandIn();
    const replica = await holdingReplica((ws) => pipeHop(ws, silentAgent, 100));
    const hopPath = `${replica.url.replace(/^http/, 'ws')}/api/internal/relay-hop`;
    // A peer whose process hangs: its TCP connection stays, no pong comes back.
    const silent = new WebSocket(hopPath, { autoPong: false });
    cleanups.push(() => silent.terminate());
    let pings = 0;
    silent.on('ping', () => pings++);
    const closed = new Promise<number>((resolve) => silent.once('close', (code) => resolve(code)));
    await until(async () => silentAgent.closed, 3000, 10);
    expect(pings).toBeGreaterThanOrEqual(1);
    // Terminated, not closed politely: no closing handshake with a dead peer.
    expect(await closed).toBe(1006);

    const answeringAgent = new AgentStreamStandIn();
    const live = await holdingReplica((ws) => pipeHop(ws, answeringAgent, 100));
    const hop = await connectThroughReplica(live, agent1, 'ticket', 2000);
    cleanups.push(() => hop.close());
    await new Promise((r) => setTimeout(r, 600));
    expect(answeringAgent.closed).toBe(false);
    let received = 0;
    hop.onData((chunk) => (received += chunk.length));
    answeringAgent.emit(Buffer.from('RFB 003.008\n'));
    await until(async () => received === 12, 2000, 10);
  });

  it("a replica that refuses the hop or cannot be reached: the viewer is told in the local relay's words, never the replica's address", async () => {
    const replica = await holdingReplica(() => undefined);
    const gone = { ...replica, url: 'http://127.0.0.1:9' };
    await expect(connectThroughReplica(gone, agent1, 'ticket', 2000)).rejects.toMatchObject({
      reason: ScreenClose.AGENT_LOST,
      message: 'agent pi-1 lost its relay channel',
    });
    // A replica that answers the upgrade with an HTTP error (a ticket it does not know).
    const refusing = createServer((_req, res) => res.writeHead(401).end());
    await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
    cleanups.push(() => refusing.close());
    const refusingUrl = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`;
    const refusal = await connectThroughReplica({ ...replica, url: refusingUrl }, agent1, 'ticket', 2000).catch((e: KioskConnectError) => e);
    expect(refusal).toMatchObject({ reason: ScreenClose.INTERNAL, message: 'the agent closed the stream before it opened' });
    // A replica that says nothing in time.
    const silent = await connectThroughReplica(replica, agent1, 'ticket', 200).catch((e: KioskConnectError) => e);
    expect(silent).toMatchObject({ reason: ScreenClose.KIOSK_OFF, message: 'agent pi-1 got no answer from the kiosk in time' });
    for (const error of [refusal, silent]) expect(String((error as Error).message)).not.toMatch(/127\.0\.0\.1|replica/);
  }, 15_000);
});
