/**
 * The agent's optional relay channel (README "Relay channel"): one outbound
 * WebSocket to `/api/agent/v1/relay`, kept open with reconnects and full-jitter
 * backoff, over which the API asks the agent to open TCP connections to kiosks'
 * VNC ports; the bytes of every stream are piped both ways with per-stream
 * PAUSE/RESUME flow control. The agent connects only to IPv4 addresses inside its
 * subnets (or `relay.allowedSubnets`) and to the allowed ports.
 */
import net from 'node:net';
import { decodeFrame, encodeFrame, Frame, FrameType, parseOpenRequest } from '@wakeward/agent-protocol';
import WebSocket from 'ws';
import { abortableSleep, backoffDelay } from '../client';
import type { AgentConfig } from '../config';
import type { Logger } from '../log';

const HIGH_WATER = 1 << 20;
const LOW_WATER = 256 << 10;

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
    const stream: Stream = { socket, open: false, farPaused: false, askedPause: false };
    this.streams.set(id, stream);
    const timer = setTimeout(() => socket.destroy(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' })), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      stream.open = true;
      if (this.channelPaused) socket.pause();
      this.send(encodeFrame(FrameType.OPENED, id));
      this.options.log.info('relay stream open', { stream: id, target });
    });
    socket.on('data', (chunk) => this.send(encodeFrame(FrameType.DATA, id, chunk)));
    let failure: NodeJS.ErrnoException | undefined;
    socket.on('error', (err) => (failure = err));
    socket.on('close', () => {
      clearTimeout(timer);
      if (this.streams.get(id) !== stream) return; // closed by the API
      this.streams.delete(id);
      const info = stream.open ? (failure ? { code: 'SCREEN_ENDED', message: failure.message } : undefined) : connectFailure(failure, target);
      this.send(encodeFrame(FrameType.CLOSE, id, info ? JSON.stringify(info) : undefined));
      this.options.log.info('relay stream closed', { stream: id, target, ...(info && { code: info.code }) });
    });
  }

  /** Why this agent will not connect there, or null. */
  private refusal(host: string, port: number): string | null {
    if (net.isIPv4(host) === false) return `${host} is not an IPv4 address`;
    const allowedPorts = this.options.config.allowedPorts;
    if (allowedPorts && !allowedPorts.includes(port)) return `port ${port} is not in relay.allowedPorts`;
    const subnets = this.options.config.allowedSubnets ?? this.options.subnets;
    if (subnets.length && !subnets.some((s) => ipv4InSubnet(host, s))) return `${host} is outside this agent's subnets (${subnets.join(', ')})`;
    return null;
  }
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

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((n, part) => ((n << 8) | Number(part)) >>> 0, 0);
}

export function ipv4InSubnet(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText ?? 32);
  if (!net.isIPv4(base ?? '') || !(bits >= 0 && bits <= 32)) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((ipv4ToInt(ip) & mask) >>> 0) === ((ipv4ToInt(base!) & mask) >>> 0);
}
