import type { WebSocket } from 'ws';
import type { RemoteSessionEnd, RemoteSessionStart } from './remote-sessions.repository';
import { closeWith, sendPaced } from './relay-socket';
import { RfbGuard, RfbNotVncError, RfbProtocolError } from './rfb-guard';
import { ScreenClose, ScreenCloseReason } from './screen-errors';
import type { Upstream } from './upstream';

export interface ScreenSessionHooks {
  idleTimeoutMs: number;
  slotRenewMs: number;
  controlTaken(session: RemoteSessionStart): Promise<void>;
  renewSlot(session: RemoteSessionStart): Promise<void>;
  ended(session: RemoteSessionStart, end: RemoteSessionEnd): Promise<void>;
  onError(err: unknown): void;
  onEnd?(session: RemoteSessionStart, reason: ScreenCloseReason, detail: string): void;
}

/** Text messages the console may send beside the RFB bytes (noVNC itself sends binary only). */
type ConsoleMessage = { type: 'activity' } | { type: 'control'; on: boolean };

/**
 * One viewer's screen session: pipes the viewer's WebSocket and the kiosk's VNC
 * stream both ways with back-pressure, lets only RFB through (RfbGuard: nothing of the
 * viewer before the kiosk's greeting, only well-formed client messages) and enforces
 * view-only, counts bytes, closes after `idleTimeoutMs` without input or console
 * activity, and reports its end.
 */
export class ScreenSession {
  private readonly guard = new RfbGuard();
  private bytesToViewer = 0;
  private bytesFromViewer = 0;
  private controlUsed = false;
  private lastActivity = Date.now();
  private finished?: Promise<void>;
  /** The record of taking control, while it is being written: the end is recorded after it. */
  private controlRecorded: Promise<void> = Promise.resolve();
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    readonly session: RemoteSessionStart,
    private readonly viewer: WebSocket,
    private readonly upstream: Upstream,
    private readonly hooks: ScreenSessionHooks,
  ) {}

  start(): void {
    const { viewer, upstream } = this;
    upstream.onData((chunk) => {
      let out: Buffer;
      try {
        out = this.guard.fromKiosk(chunk);
      } catch (err) {
        return void this.end(err instanceof RfbNotVncError ? ScreenClose.NOT_VNC : ScreenClose.PROTOCOL, (err as Error).message);
      }
      if (!out.length) return;
      this.bytesToViewer += out.length;
      sendPaced(viewer, out, upstream);
    });
    upstream.onDrain(() => viewer.resume());
    upstream.onClose((reason) => void this.end(reason?.reason ?? ScreenClose.ENDED, reason?.message ?? 'the kiosk ended the VNC connection'));

    viewer.on('message', (data, isBinary) => {
      const chunk = data as Buffer;
      if (!isBinary) return this.onConsoleMessage(chunk.toString('utf8'));
      this.bytesFromViewer += chunk.length;
      let forward: Buffer;
      try {
        const r = this.guard.fromViewer(chunk);
        forward = r.forward;
        if (r.input) this.lastActivity = Date.now();
      } catch (err) {
        return void this.end(ScreenClose.PROTOCOL, err instanceof RfbProtocolError ? err.message : String(err));
      }
      if (forward.length && !upstream.write(forward)) viewer.pause();
    });
    viewer.on('close', () => void this.end(ScreenClose.ENDED, 'the viewer closed the session', false));
    viewer.on('error', () => void this.end(ScreenClose.ENDED, 'the viewer connection failed', false));

    const idleMs = this.hooks.idleTimeoutMs;
    this.timers.push(
      setInterval(() => {
        if (Date.now() - this.lastActivity >= idleMs) void this.end(ScreenClose.IDLE, `no activity for ${Math.round(idleMs / 1000)} s`);
      }, Math.max(250, Math.min(idleMs / 4, 15_000))),
      setInterval(() => this.hooks.renewSlot(this.session).catch((err) => this.hooks.onError(err)), this.hooks.slotRenewMs),
    );
  }

  /** Ends the session once: closes both sides and records the end. */
  end(reason: ScreenCloseReason, detail: string, closeViewer = true): Promise<void> {
    if (this.finished) return this.finished;
    // Set before closing the upstream: an agent's stream reports its close at once, and
    // that report must not end (and record) the session a second time.
    let recorded!: () => void;
    this.finished = new Promise<void>((resolve) => (recorded = resolve));
    this.hooks.onEnd?.(this.session, reason, detail);
    for (const t of this.timers) clearInterval(t);
    this.upstream.close();
    if (closeViewer) closeWith(this.viewer, reason);
    const end: RemoteSessionEnd = {
      endedAt: new Date(),
      bytesToViewer: this.bytesToViewer,
      bytesFromViewer: this.bytesFromViewer,
      controlUsed: this.controlUsed,
      endReason: closeViewer ? reason.code : 'VIEWER_CLOSED',
    };
    void this.controlRecorded
      .then(() => this.hooks.ended(this.session, end))
      .catch((err) => this.hooks.onError(err))
      .finally(recorded);
    return this.finished;
  }

  private onConsoleMessage(text: string): void {
    let message: ConsoleMessage;
    try {
      message = JSON.parse(text) as ConsoleMessage;
    } catch {
      return;
    }
    this.lastActivity = Date.now();
    if (message.type !== 'control') return;
    if (!message.on) {
      this.guard.viewOnly = true;
      return;
    }
    if (!this.session.controlAllowed) return; // the console never offers it; a forged request stays view-only
    this.guard.viewOnly = false;
    if (!this.controlUsed) {
      this.controlUsed = true;
      this.controlRecorded = this.hooks.controlTaken(this.session).catch((err) => this.hooks.onError(err));
    }
  }
}
