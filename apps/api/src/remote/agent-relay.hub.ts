import { Injectable, Logger } from '@nestjs/common';
import { decodeFrame, encodeFrame, encodeJsonFrame, Frame, FrameType, OpenRequest, parseJsonPayload } from '@wakeward/agent-protocol';
import type { WebSocket } from 'ws';
import type { Agent } from '../agents/agent.entity';
import { pongCheck, RelayedStream } from './relay-socket';
import { closeReasonOf, KioskConnectError, ScreenClose } from './screen-errors';
import type { Upstream } from './upstream';

/** Streams one agent carries at once (several viewers, one connection). */
const MAX_STREAMS_PER_AGENT = 64;
/**
 * Close codes of a relay channel, as the agent sees them (README "Relay channel").
 * None is final for the agent: it reconnects after each, at once after a channel that
 * was open (its backoff restarts at the first step).
 */
export const RelayClose = {
  SERVER_STOPPING: { code: 1001, reason: 'server stopping' },
  BAD_FRAME: { code: 4400, reason: 'relay frames are binary: type, stream id, payload' },
  TOKEN_INVALID: { code: 4401, reason: 'AGENT_TOKEN_INVALID' },
  REPLACED: { code: 4409, reason: 'replaced by a newer connection of the agent' },
  /** This replica holds more than its fair share of channels: reconnect through the balancer. */
  REBALANCING: { code: 4503, reason: 'rebalancing: reconnect' },
} as const;

export type RelayChannelEvent = 'opened' | 'closed';

/**
 * The agents' relay channels held by this API process: one WebSocket per agent,
 * opened by the agent (it never accepts connections), carrying many TCP streams to
 * kiosks' VNC ports (framing: @wakeward/agent-protocol).
 */
@Injectable()
export class AgentRelayHub {
  private readonly channels = new Map<string, AgentChannel>();
  private readonly observers: Array<(agentId: string, event: RelayChannelEvent) => void> = [];
  private readonly logger = new Logger('agent-relay');

  /** Told of every channel opened and closed here (the registry in Redis: relay-replicas.ts). */
  observe(observer: (agentId: string, event: RelayChannelEvent) => void): void {
    this.observers.push(observer);
  }

  attach(agent: Agent, ws: WebSocket): AgentChannel {
    const previous = this.channels.get(agent.id);
    if (previous) previous.close(RelayClose.REPLACED.code, RelayClose.REPLACED.reason);
    const channel = new AgentChannel(agent, ws, this.logger);
    this.channels.set(agent.id, channel);
    ws.on('close', () => {
      if (this.channels.get(agent.id) !== channel) return;
      this.channels.delete(agent.id);
      for (const observe of this.observers) observe(agent.id, 'closed');
    });
    for (const observe of this.observers) observe(agent.id, 'opened');
    this.logger.log(`agent ${agent.name} (${agent.id}) opened its relay channel`);
    return channel;
  }

  isConnected(agentId: string): boolean {
    return this.channels.has(agentId);
  }

  /** Of these agents (already known to reach the kiosk), the connected one carrying fewest streams. */
  pick(agentIds: string[]): AgentChannel | null {
    let best: AgentChannel | null = null;
    for (const id of agentIds) {
      const c = this.channels.get(id);
      if (c && c.open && (!best || c.streamCount < best.streamCount)) best = c;
    }
    return best;
  }

  all(): AgentChannel[] {
    return [...this.channels.values()];
  }

  get count(): number {
    return this.channels.size;
  }

  closeAll(): void {
    for (const c of this.channels.values()) c.close(RelayClose.SERVER_STOPPING.code, RelayClose.SERVER_STOPPING.reason);
    this.channels.clear();
  }
}

export class AgentChannel {
  private readonly streams = new Map<number, AgentStream>();
  private nextId = 1;
  /** Called by the ping loop: false (and the channel dropped) if the agent did not answer the previous ping. */
  readonly ping: () => boolean;

  constructor(
    readonly agent: Agent,
    private readonly ws: WebSocket,
    private readonly logger: Logger,
  ) {
    ws.on('message', (data, isBinary) => {
      const frame = isBinary ? decodeFrame(data as Buffer) : null;
      if (!frame) return this.close(RelayClose.BAD_FRAME.code, RelayClose.BAD_FRAME.reason);
      this.onFrame(frame);
    });
    this.ping = pongCheck(ws);
    ws.on('close', () => {
      for (const s of this.streams.values()) s.ended(new KioskConnectError(ScreenClose.AGENT_LOST, `agent ${agent.name} lost its relay channel`));
      this.streams.clear();
    });
  }

  get open(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  get streamCount(): number {
    return this.streams.size;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  /** Asks the agent to connect to host:port; resolves once it has. */
  openStream(host: string, port: number, timeoutMs: number): Promise<Upstream> {
    if (this.streams.size >= MAX_STREAMS_PER_AGENT) {
      return Promise.reject(new KioskConnectError(ScreenClose.VIEWER_LIMIT, `agent ${this.agent.name} carries ${MAX_STREAMS_PER_AGENT} streams already`));
    }
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    const stream = new AgentStream(this, id);
    this.streams.set(id, stream);
    this.send(encodeJsonFrame(FrameType.OPEN, id, { host, port, timeoutMs } satisfies OpenRequest));
    // The agent applies timeoutMs to its connect; this covers a silent agent.
    return stream.opened(
      timeoutMs + 5_000,
      () => new KioskConnectError(ScreenClose.KIOSK_OFF, `agent ${this.agent.name} got no answer from the kiosk in time`),
    );
  }

  send(frame: Buffer, done?: () => void): void {
    if (!this.open) return;
    this.ws.send(frame, { binary: true }, done ? () => done() : undefined);
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === this.ws.CLOSED || this.ws.readyState === this.ws.CLOSING) return;
    this.ws.close(code, reason);
  }

  forget(id: number): void {
    this.streams.delete(id);
  }

  private onFrame(frame: Frame): void {
    const stream = this.streams.get(frame.streamId);
    if (!stream) {
      // Data racing a close we sent already: tell the agent once more and move on.
      if (frame.type !== FrameType.CLOSE) this.send(encodeFrame(FrameType.CLOSE, frame.streamId));
      return;
    }
    switch (frame.type) {
      case FrameType.OPENED:
        return stream.markOpened();
      case FrameType.DATA:
        return stream.data(frame.payload);
      case FrameType.CLOSE: {
        const info = parseJsonPayload<{ code?: string; message?: string }>(frame.payload);
        this.streams.delete(frame.streamId);
        const reason = info?.code ? new KioskConnectError(closeReasonOf(info.code), info.message ?? info.code) : null;
        return stream.ended(reason);
      }
      case FrameType.PAUSE:
        return stream.remotePause(true);
      case FrameType.RESUME:
        return stream.remotePause(false);
      default:
        this.logger.warn(`agent ${this.agent.name} sent frame type ${frame.type} on stream ${frame.streamId}`);
    }
  }
}

/** One kiosk connection carried by an agent: its bytes, pauses and close travel as frames of the channel. */
class AgentStream extends RelayedStream {
  private pausedByUs = false;

  constructor(
    private readonly channel: AgentChannel,
    readonly id: number,
  ) {
    super();
  }

  get agentId(): string {
    return this.channel.agent.id;
  }

  remotePause(paused: boolean): void {
    this.farPaused = paused;
    if (!paused) this.maybeDrain();
  }

  write(chunk: Buffer): boolean {
    if (this.finished) return false;
    this.channel.send(encodeFrame(FrameType.DATA, this.id, chunk), () => this.maybeDrain());
    return this.roomLeft();
  }

  pause(): void {
    if (this.pausedByUs || this.finished) return;
    this.pausedByUs = true;
    this.channel.send(encodeFrame(FrameType.PAUSE, this.id));
  }

  resume(): void {
    if (!this.pausedByUs || this.finished) return;
    this.pausedByUs = false;
    this.channel.send(encodeFrame(FrameType.RESUME, this.id));
  }

  close(): void {
    if (!this.finished) this.channel.send(encodeFrame(FrameType.CLOSE, this.id));
    this.channel.forget(this.id);
    this.ended(null);
  }

  protected queued(): number {
    return this.channel.bufferedAmount;
  }
}
