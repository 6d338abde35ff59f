import { Logger } from '@nestjs/common';
import WebSocket from 'ws';
import type { ReplicaEntry } from './relay-registry.repository';
import { closeWith, pongCheck, RelayedStream, RELAY_SOCKET_OPTIONS, sendPaced } from './relay-socket';
import { closeReasonOf, KioskConnectError, ScreenClose } from './screen-errors';
import type { Upstream } from './upstream';

/**
 * The hop between API replicas: when the viewer's replica does not hold the chosen
 * agent's relay channel, it opens a WebSocket to the replica that does, which opens
 * the stream through the agent and pipes its bytes. Seen from the viewer's replica
 * the hop is one more Upstream; the kiosk's bytes still pass the viewer side's RFB
 * checks (afterRfbGreeting, RfbGuard) before anything of the viewer reaches it.
 *
 * On the wire: binary messages are the stream's bytes both ways; the holding replica
 * sends one text message `{"opened":true}` once the agent reached the kiosk, and
 * `{"error":{"code","message"}}` before closing with that reason's close code (the
 * codes of ScreenClose, so the viewer is told what it would be told on the holding
 * replica). Flow control: each side stops reading its WebSocket when the other
 * direction is full (ws.pause: TCP back-pressure reaches the far side's
 * bufferedAmount), with the relay's HIGH_WATER/LOW_WATER marks (relay-socket.ts).
 *
 * Authenticated by a one-time hop ticket (Redis, short TTL, GETDEL) in the
 * Authorization header, which a browser can neither obtain nor send with a WebSocket.
 *
 * Replica addresses stay in this server's log: what the viewer is told (and what may
 * reach audit entries) is worded as the local relay words it, by the agent's name.
 */
export const RELAY_HOP_PATH = '/api/internal/relay-hop';
export const HOP_AUTH_SCHEME = 'WakewardHop';

type HopMessage = { opened: true } | { error: { code: string; message: string } };

/** The agent whose channel the hop uses, as the viewer is told about it. */
export interface HopAgent {
  id: string;
  name: string;
}

const logger = new Logger('relay-hop');

/** Opens the stream on the holding replica; resolves once its agent has reached the kiosk. */
export function connectThroughReplica(replica: ReplicaEntry, agent: HopAgent, ticket: string, timeoutMs: number): Promise<Upstream> {
  const url = `${replica.url.replace(/^http/, 'ws')}${RELAY_HOP_PATH}`;
  const ws = new WebSocket(url, {
    ...RELAY_SOCKET_OPTIONS,
    headers: { authorization: `${HOP_AUTH_SCHEME} ${ticket}` },
    handshakeTimeout: timeoutMs,
  });
  const waitMs = timeoutMs + 5_000;
  return new HopUpstream(ws, agent, replica).opened(waitMs, () => {
    logger.warn(`no answer through replica ${replica.id} at ${replica.url} in ${waitMs} ms`);
    return new KioskConnectError(ScreenClose.KIOSK_OFF, `agent ${agent.name} got no answer from the kiosk in time`);
  });
}

/** The stream as the viewer's replica sees it: its bytes are the hop's binary messages. */
class HopUpstream extends RelayedStream {
  private farError?: { code: string; message: string };
  readonly agentId: string;

  constructor(
    private readonly ws: WebSocket,
    private readonly agent: HopAgent,
    replica: ReplicaEntry,
  ) {
    super();
    this.agentId = agent.id;
    ws.on('message', (data, isBinary) => {
      if (isBinary) return this.data(data as Buffer);
      let message: HopMessage;
      try {
        message = JSON.parse(String(data)) as HopMessage;
      } catch {
        return;
      }
      if ('opened' in message) return this.markOpened();
      if (!message.error) return;
      // Told before the close, which may wait for the closing handshake: the viewer hears at once.
      this.farError = message.error;
      this.ended(new KioskConnectError(closeReasonOf(message.error.code), message.error.message));
    });
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      ws.terminate();
      logger.warn(`replica ${replica.id} at ${replica.url} refused the relay hop for agent ${agent.id}: HTTP ${res.statusCode}`);
      this.ended(new KioskConnectError(ScreenClose.INTERNAL, 'the agent closed the stream before it opened'));
    });
    ws.on('error', (err) => {
      logger.warn(`replica ${replica.id} at ${replica.url}, holding agent ${agent.id}'s relay channel, cannot be reached: ${err.message}`);
      this.ended(this.channelLost());
    });
    ws.on('close', (code, reason) => {
      if (code === ScreenClose.ENDED.close && !this.farError) return this.ended(null);
      if (this.farError) return this.ended(new KioskConnectError(closeReasonOf(this.farError.code), this.farError.message));
      logger.warn(`the relay hop to replica ${replica.id} at ${replica.url} closed (${code} ${reason.toString()})`);
      this.ended(new KioskConnectError(closeReasonOf(reason.toString() || ScreenClose.AGENT_LOST.code), this.channelLost().message));
    });
  }

  write(chunk: Buffer): boolean {
    if (this.finished || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(chunk, { binary: true }, () => this.maybeDrain());
    return this.roomLeft();
  }

  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }

  close(): void {
    if (this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
    else closeWith(this.ws, ScreenClose.ENDED);
    this.ended(null);
  }

  protected queued(): number {
    return this.ws.bufferedAmount;
  }

  /** The local relay's words when an agent's channel goes. */
  private channelLost(): KioskConnectError {
    return new KioskConnectError(ScreenClose.AGENT_LOST, `agent ${this.agent.name} lost its relay channel`);
  }
}

/** Holding replica: tells the hop the stream could not open, with the viewer's close code. */
export function refuseHop(ws: WebSocket, reason: KioskConnectError): void {
  sendHop(ws, { error: { code: reason.reason.code, message: reason.message } });
  // Reading again (the hop is paused until its stream opens): the closing handshake needs the far side's answer.
  ws.resume();
  closeWith(ws, reason.reason);
}

/**
 * Holding replica: pipes the agent's stream and the hop both ways, with the local
 * relay's back-pressure, and pings the hop every `pingIntervalMs`: a viewer replica
 * that died or was cut off (no close ever arrives) is dropped when it misses a pong,
 * which frees the agent's stream slot.
 */
export function pipeHop(ws: WebSocket, upstream: Upstream, pingIntervalMs: number): void {
  const pong = pongCheck(ws);
  const heartbeat = setInterval(() => {
    if (!pong()) logger.warn(`relay hop for agent ${upstream.agentId} missed a pong in ${pingIntervalMs} ms: dropped`);
  }, pingIntervalMs);
  ws.once('close', () => clearInterval(heartbeat));
  upstream.onData((chunk) => sendPaced(ws, chunk, upstream));
  upstream.onDrain(() => ws.resume());
  upstream.onClose((reason) => {
    if (reason) return refuseHop(ws, reason);
    closeWith(ws, ScreenClose.ENDED);
  });
  ws.on('message', (data, isBinary) => {
    if (isBinary && !upstream.write(data as Buffer)) ws.pause();
  });
  ws.on('close', () => upstream.close());
  ws.on('error', () => upstream.close());
  sendHop(ws, { opened: true });
  ws.resume();
}

function sendHop(ws: WebSocket, message: HopMessage): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(message));
}
