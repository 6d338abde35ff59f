import type { WebSocket } from 'ws';
import { KioskConnectError, ScreenClose, ScreenCloseReason } from './screen-errors';
import type { Upstream } from './upstream';

/**
 * The WebSocket plumbing every carrier of a kiosk's screen shares: the agents' relay
 * channels (agent-relay.hub.ts), the hop between replicas (relay-hop.ts) and the
 * viewer's socket (screen-session.ts). One set of back-pressure marks, one ping/pong
 * liveness check, one life cycle of a stream that is asked for, opens, carries bytes
 * and ends once.
 */

/** Bytes queued on a WebSocket above which its producer is paused; it resumes at LOW_WATER. */
export const HIGH_WATER = 1 << 20;
export const LOW_WATER = 256 << 10;

/** Every relay WebSocket, accepted or opened: no compression (VNC is compressed already), 4 MiB messages at most. */
export const RELAY_SOCKET_OPTIONS = { maxPayload: 4 << 20, perMessageDeflate: false } as const;

/**
 * Closes `ws` with a screen's close code and its stable code as the reason, which is
 * all a browser learns of why; a socket not open (closing, closed) is left as it is.
 */
export function closeWith(ws: WebSocket, reason: ScreenCloseReason): void {
  if (ws.readyState === ws.OPEN) ws.close(reason.close, reason.code);
}

/**
 * Sends the producer's bytes on `ws`, pausing the producer while more than HIGH_WATER
 * waits to be sent and resuming it once the queue is back under LOW_WATER.
 */
export function sendPaced(ws: WebSocket, chunk: Buffer, producer: Pick<Upstream, 'pause' | 'resume'>): void {
  ws.send(chunk, { binary: true }, () => {
    if (ws.bufferedAmount <= LOW_WATER) producer.resume();
  });
  if (ws.bufferedAmount > HIGH_WATER) producer.pause();
}

/**
 * Liveness of the far side of `ws` by ping/pong. The returned check is called once per
 * interval: it pings, and returns false after terminating the socket when the previous
 * ping got no pong (a far side that died or was cut off never sends a close).
 */
export function pongCheck(ws: WebSocket): () => boolean {
  let alive = true;
  ws.on('pong', () => (alive = true));
  return () => {
    if (!alive) {
      ws.terminate();
      return false;
    }
    alive = false;
    ws.ping();
    return true;
  };
}

/**
 * A stream to a kiosk carried over a relay WebSocket, seen from the viewer's side as an
 * Upstream. The carrier (a frame of the agent's channel, a message of the hop) calls
 * markOpened, data and ended; subclasses say how bytes, pauses and closes travel.
 */
export abstract class RelayedStream implements Upstream {
  readonly route = 'agent' as const;
  abstract readonly agentId: string;
  /** The far end asked us to stop writing (the agent's PAUSE frame). */
  protected farPaused = false;
  private dataListener?: (chunk: Buffer) => void;
  private drainListener?: () => void;
  private closeListener?: (reason: KioskConnectError | null) => void;
  private openWaiter?: { resolve: (u: Upstream) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };
  private isOpen = false;
  private isFinished = false;
  private finishReason: KioskConnectError | null = null;
  private wantDrain = false;
  /** Bytes that arrived before anyone listened (the greeting may beat onData). */
  private readonly early: Buffer[] = [];

  abstract write(chunk: Buffer): boolean;
  abstract pause(): void;
  abstract resume(): void;
  abstract close(): void;
  /** Bytes queued on the carrying WebSocket. */
  protected abstract queued(): number;

  protected get finished(): boolean {
    return this.isFinished;
  }

  /**
   * Resolves with this stream once markOpened is called. After `timeoutMs` the stream is
   * closed and the waiter told `timedOut()`: told first, so that the close does not
   * answer it with its own reason.
   */
  opened(timeoutMs: number, timedOut: () => KioskConnectError): Promise<Upstream> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.openWaiter = undefined;
        this.close();
        reject(timedOut());
      }, timeoutMs);
      this.openWaiter = { resolve, reject, timer };
    });
  }

  markOpened(): void {
    this.isOpen = true;
    const w = this.openWaiter;
    this.openWaiter = undefined;
    if (w) {
      clearTimeout(w.timer);
      w.resolve(this);
    }
  }

  data(chunk: Buffer): void {
    if (this.dataListener) this.dataListener(chunk);
    else this.early.push(Buffer.from(chunk));
  }

  /** The stream is over: `reason` null for an ordinary end. A stream not yet open fails its waiter instead. */
  ended(reason: KioskConnectError | null): void {
    if (this.isFinished) return;
    this.isFinished = true;
    this.finishReason = reason;
    const w = this.openWaiter;
    this.openWaiter = undefined;
    if (w) {
      clearTimeout(w.timer);
      w.reject(reason ?? new KioskConnectError(ScreenClose.INTERNAL, 'the agent closed the stream before it opened'));
      return;
    }
    this.closeListener?.(reason);
  }

  onData(listener: (chunk: Buffer) => void): void {
    this.dataListener = listener;
    for (const chunk of this.early.splice(0)) listener(chunk);
  }

  onDrain(listener: () => void): void {
    this.drainListener = listener;
  }

  onClose(listener: (reason: KioskConnectError | null) => void): void {
    this.closeListener = listener;
    if (this.isFinished && this.isOpen) listener(this.finishReason);
  }

  /** After a write was sent: false (and a drain owed) while the far end is paused or the socket above HIGH_WATER. */
  protected roomLeft(): boolean {
    if (this.farPaused || this.queued() > HIGH_WATER) {
      this.wantDrain = true;
      return false;
    }
    return true;
  }

  /** Called when a write left the socket or the far end resumed: tells the writer once there is room again. */
  protected maybeDrain(): void {
    if (this.wantDrain && !this.farPaused && this.queued() <= LOW_WATER) {
      this.wantDrain = false;
      this.drainListener?.();
    }
  }
}
