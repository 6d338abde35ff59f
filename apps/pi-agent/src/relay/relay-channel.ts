/**
 * The agent's optional relay channel (README "Relay channel"): one outbound
 * WebSocket to `/api/agent/v1/relay`, kept open with reconnects and full-jitter
 * backoff, over which the API asks the agent to open TCP connections to kiosks'
 * VNC ports; the bytes of every stream are piped both ways with per-stream
 * PAUSE/RESUME flow control.
 *
 * Whatever the API asks, the agent connects only to kiosks' VNC servers: an allowed
 * port (`relay.allowedPorts`, 5900-5909 by default), an IPv4 address inside
 * `relay.allowedSubnets` (default: its `subnets`; none declared = nowhere) and never
 * loopback, link-local, multicast or its own addresses unless `relay.allowTargets`
 * says so (kioskAddressRefusal, the API's rule too). It passes nothing from the API
 * to a kiosk before the kiosk has greeted as an RFB server (REMOTE_NOT_VNC otherwise).
 */
import net from 'node:net';
import { checkRfbGreeting, decodeFrame, encodeFrame, Frame, FrameType, parseOpenRequest } from '@wakeward/agent-protocol';
import { kioskAddressRefusal } from '@wakeward/wol';
import WebSocket from 'ws';
import { abortableSleep, backoffDelay } from '../client';
import type { AgentConfig } from '../config';
import { kioskAddressPolicy } from '../kiosk-addresses';
import type { Logger } from '../log';

const HIGH_WATER = 1 << 20;
const LOW_WATER = 256 << 10;
/** A viewer sends nothing before the server's greeting; the API's data is held up to this while the kiosk has not greeted. */
const MAX_HELD_BEFORE_GREETING = 4096;

export interface RelayChannelOptions {
  apiUrl: string;
  token: () => string | undefined;
  config: AgentConfig['relay'];
  /** The agent's subnets: the default of where it may connect. */
  subnets: string[];
  backoff: { initialMs: number; maxMs: number };
  log: Logger;
}

interface Stream {
  socket: net.Socket;
  open: boolean;
  /** The kiosk has sent a valid RFB ProtocolVersion: bytes flow both ways. */
  greeted: boolean;
  /** Before the greeting: what the kiosk sent so far, and the API's data held back. */
  fromKiosk: Buffer;
  heldFromApi: Buffer[];
  heldBytes: number;
  /** The API asked us to stop sending this stream's data. */
  farPaused: boolean;
  /** We asked the API to stop sending (the kiosk's socket is full). */
  askedPause: boolean;
}

export class RelayChannel {
  private ws?: WebSocket;
  private readonly streams = new Map<number, Stream>();
  private readonly stopping = new AbortController();
  private channelPaused = false;
  private loop?: Promise<void>;
  /** For tests and the log: how many times the channel was (re)opened. */
  connects = 0;

  constructor(private readonly options: RelayChannelOptions) {}

  get connected(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  get streamCount(): number {
    return this.streams.size;
  }

  start(): Promise<void> {
    this.loop ??= this.run();
    return this.loop;
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.ws?.close(1001, 'agent stopping');
    for (const s of this.streams.values()) s.socket.destroy();
    this.streams.clear();
    await this.loop;
  }

  private async run(): Promise<void> {
    const signal = this.stopping.signal;
    let failures = 0;
    while (!signal.aborted) {
      const outcome = await this.connectOnce();
      if (signal.aborted) break;
      failures = outcome.wasOpen ? 1 : failures + 1;
      let delay = backoffDelay(failures, { initialMs: this.options.backoff.initialMs, maxMs: this.options.backoff.maxMs });
      // A refused token or an API without the relay endpoint will not change soon.
      if (outcome.status === 401 || outcome.status === 404) delay = this.options.backoff.maxMs;
      const level = outcome.wasOpen || outcome.status === undefined ? 'warn' : 'error';
      this.options.log[level]('relay channel closed; reconnecting', { status: outcome.status, reason: outcome.reason, retryInMs: delay });
      await abortableSleep(delay, signal);
    }
  }

  /** One connection, from opening to its end. */
  private connectOnce(): Promise<{ wasOpen: boolean; status?: number; reason?: string }> {
    const token = this.options.token();
    const url = `${this.options.apiUrl.replace(/\/+$/, '').replace(/^http/, 'ws')}/api/agent/v1/relay`;
    return new Promise((resolve) => {
      const ws = new WebSocket(url, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
        perMessageDeflate: false,
        handshakeTimeout: 15_000,
        maxPayload: 4 << 20,
      });
      this.ws = ws;
      let wasOpen = false;
      let status: number | undefined;
      let reason: string | undefined;
      let watchdog: NodeJS.Timeout | undefined;
      // The API pings every 30 s; silence for 75 s means the line is gone without a FIN.
      const armWatchdog = () => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => ws.terminate(), 75_000);
      };
      ws.on('unexpected-response', (_req, res) => {
        status = res.statusCode;
        reason = `HTTP ${res.statusCode}`;
        res.resume();
        ws.terminate();
      });
      ws.on('open', () => {
        wasOpen = true;
        this.connects++;
        this.channelPaused = false;
        armWatchdog();
        this.options.log.info('relay channel open', { url });
      });
      ws.on('ping', armWatchdog);
      ws.on('message', (data, isBinary) => {
        armWatchdog();
        const frame = isBinary ? decodeFrame(data as Buffer) : null;
        if (frame) this.onFrame(frame);
      });
      ws.on('error', (err) => (reason ??= err.message));
      ws.on('close', (code, why) => {
        clearTimeout(watchdog);
        reason ??= `${code} ${why.toString()}`.trim();
        for (const s of this.streams.values()) s.socket.destroy();
        this.streams.clear();
        resolve({ wasOpen, status, reason });
      });
    });
  }

  private send(frame: Buffer): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    ws.send(frame, { binary: true }, () => this.maybeResumeAll());
    if (!this.channelPaused && ws.bufferedAmount > HIGH_WATER) {
      // The line to the API is full: stop reading from every kiosk until it drains.
      this.channelPaused = true;
      for (const s of this.streams.values()) s.socket.pause();
    }
  }

  private maybeResumeAll(): void {
    if (!this.channelPaused || (this.ws?.bufferedAmount ?? 0) > LOW_WATER) return;
    this.channelPaused = false;
    for (const s of this.streams.values()) if (!s.farPaused) s.socket.resume();
  }

  private onFrame(frame: Frame): void {
    const stream = this.streams.get(frame.streamId);
    switch (frame.type) {
      case FrameType.OPEN:
        return this.open(frame.streamId, frame.payload);
      case FrameType.DATA:
        if (stream && !stream.greeted) return this.holdUntilGreeting(frame.streamId, stream, frame.payload);
        if (stream && !stream.socket.write(frame.payload) && !stream.askedPause) {
          stream.askedPause = true;
          this.send(encodeFrame(FrameType.PAUSE, frame.streamId));
          stream.socket.once('drain', () => {
            stream.askedPause = false;
            this.send(encodeFrame(FrameType.RESUME, frame.streamId));
          });
        }
        return;
      case FrameType.CLOSE:
        if (stream) {
          this.streams.delete(frame.streamId);
          stream.socket.destroy();
        }
        return;
      case FrameType.PAUSE:
        if (stream) {
          stream.farPaused = true;
          stream.socket.pause();
        }
        return;
      case FrameType.RESUME:
        if (stream) {
          stream.farPaused = false;
          if (!this.channelPaused) stream.socket.resume();
        }
        return;
      default:
        return;
    }
  }

  private open(id: number, payload: Buffer): void {
    const request = parseOpenRequest(payload);
    const refuse = (code: string, message: string) => this.send(encodeFrame(FrameType.CLOSE, id, JSON.stringify({ code, message })));
    if (!request) return refuse('BAD_REQUEST', 'OPEN needs {host, port}');
    if (this.streams.has(id)) return refuse('BAD_REQUEST', `stream ${id} is open already`);
    if (this.streams.size >= this.options.config.maxStreams) return refuse('REMOTE_VIEWER_LIMIT', `this agent carries ${this.options.config.maxStreams} streams already`);
    const problem = this.refusal(request.host, request.port);
    if (problem) {
      this.options.log.warn('relay target refused', { host: request.host, port: request.port, problem });
      return refuse('REMOTE_TARGET_REFUSED', problem);
    }
    const target = `${request.host}:${request.port}`;
    const timeoutMs = Math.min(request.timeoutMs ?? this.options.config.connectTimeoutMs, 60_000);
    const socket = net.connect({ host: request.host, port: request.port, noDelay: true });
    const stream: Stream = { socket, open: false, greeted: false, fromKiosk: Buffer.alloc(0), heldFromApi: [], heldBytes: 0, farPaused: false, askedPause: false };
    this.streams.set(id, stream);
    let timer = setTimeout(() => socket.destroy(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' })), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      stream.open = true;
      if (this.channelPaused) socket.pause();
      this.send(encodeFrame(FrameType.OPENED, id));
      this.options.log.info('relay stream open', { stream: id, target });
      timer = setTimeout(() => this.notVnc(id, stream, `${target} sent no RFB greeting within ${timeoutMs} ms: it is not a VNC server`), timeoutMs);
    });
    socket.on('data', (chunk) => {
      if (stream.greeted) return this.send(encodeFrame(FrameType.DATA, id, chunk));
      stream.fromKiosk = Buffer.concat([stream.fromKiosk, chunk]);
      const verdict = checkRfbGreeting(stream.fromKiosk);
      if (verdict === 'incomplete') return;
      clearTimeout(timer);
      if (verdict === 'invalid') return this.notVnc(id, stream, `${target} answered with something else than an RFB greeting: it is not a VNC server`);
      stream.greeted = true;
      this.send(encodeFrame(FrameType.DATA, id, stream.fromKiosk));
      stream.fromKiosk = Buffer.alloc(0);
      for (const held of stream.heldFromApi.splice(0)) socket.write(held);
    });
    let failure: NodeJS.ErrnoException | undefined;
    socket.on('error', (err) => (failure = err));
    socket.on('close', () => {
      clearTimeout(timer);
      if (this.streams.get(id) !== stream) return; // closed by the API, or refused here
      this.streams.delete(id);
      const ended = failure ? { code: 'SCREEN_ENDED', message: failure.message } : undefined;
      const silent = { code: 'REMOTE_NOT_VNC', message: `${target} closed the connection without an RFB greeting: it is not a VNC server` };
      const info = !stream.open ? connectFailure(failure, target) : stream.greeted ? ended : silent;
      this.send(encodeFrame(FrameType.CLOSE, id, info ? JSON.stringify(info) : undefined));
      this.options.log.info('relay stream closed', { stream: id, target, ...(info && { code: info.code }) });
    });
  }

  /** The API's bytes for a kiosk that has not greeted yet: kept (a little), never sent. */
  private holdUntilGreeting(id: number, stream: Stream, payload: Buffer): void {
    stream.heldBytes += payload.length;
    if (stream.heldBytes > MAX_HELD_BEFORE_GREETING) {
      return this.refuseStream(id, stream, 'RFB_PROTOCOL_UNSUPPORTED', `the API sent ${stream.heldBytes} bytes before the kiosk's RFB greeting`);
    }
    stream.heldFromApi.push(Buffer.from(payload));
  }

  private notVnc(id: number, stream: Stream, message: string): void {
    this.refuseStream(id, stream, 'REMOTE_NOT_VNC', message);
  }

  /** Ends a stream from this side, with the reason the API passes on to the viewer. */
  private refuseStream(id: number, stream: Stream, code: string, message: string): void {
    if (this.streams.get(id) !== stream) return;
    this.streams.delete(id);
    stream.socket.destroy();
    this.send(encodeFrame(FrameType.CLOSE, id, JSON.stringify({ code, message })));
    this.options.log.warn('relay stream refused', { stream: id, code, problem: message });
  }

  /** Why this agent will not connect there, or null. */
  private refusal(host: string, port: number): string | null {
    const ports = this.options.config.allowedPorts;
    if (!ports.some((p) => portInRange(port, p))) return `port ${port} is not in relay.allowedPorts (${ports.join(', ')})`;
    const subnets = this.options.config.allowedSubnets ?? this.options.subnets;
    return kioskAddressRefusal(host, kioskAddressPolicy(subnets, this.options.config.allowTargets));
  }
}

function portInRange(port: number, allowed: number | string): boolean {
  if (typeof allowed === 'number') return port === allowed;
  const [from, to] = allowed.split('-').map(Number);
  return port >= from! && port <= to!;
}

/** The same classification the API makes for its direct connections. */
function connectFailure(err: NodeJS.ErrnoException | undefined, target: string): { code: string; message: string } {
  const code = err?.code;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET') return { code: 'VNC_PORT_CLOSED', message: `the kiosk answers but its VNC port is closed (${target})` };
  if (code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EHOSTDOWN') {
    return { code: 'KIOSK_UNREACHABLE', message: `the kiosk does not answer (${target}): it is off or cut off` };
  }
  return { code: 'REMOTE_RELAY_FAILED', message: `cannot reach ${target}: ${err?.message ?? 'closed'}` };
}
