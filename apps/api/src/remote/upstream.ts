import net from 'node:net';
import { checkRfbGreeting } from '@wakeward/agent-protocol';
import { classifyConnectError, KioskConnectError, ScreenClose } from './screen-errors';

/**
 * One byte stream to a kiosk's VNC port, whatever carries it: a TCP socket from the
 * API (direct route) or a stream multiplexed over an agent's relay channel.
 * `write` returns false when the far side is full; `drain` follows.
 */
export interface Upstream {
  readonly route: 'direct' | 'agent';
  readonly agentId: string | null;
  write(chunk: Buffer): boolean;
  pause(): void;
  resume(): void;
  close(): void;
  onData(listener: (chunk: Buffer) => void): void;
  onDrain(listener: () => void): void;
  /** Called once, when the stream ends for any reason; `reason` is null for an ordinary end. */
  onClose(listener: (reason: KioskConnectError | null) => void): void;
}

/** Direct route: the API connects to the kiosk itself. */
export function connectDirect(host: string, port: number, timeoutMs: number): Promise<Upstream> {
  const target = `${host}:${port}`;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(classifyConnectError(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' }), target));
    }, timeoutMs);
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(classifyConnectError(err, target));
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socketUpstream(socket, target));
    });
  });
}

function socketUpstream(socket: net.Socket, target: string): Upstream {
  let closeListener: ((reason: KioskConnectError | null) => void) | undefined;
  let failure: KioskConnectError | null = null;
  let closed = false;
  socket.on('error', (err) => {
    failure = new KioskConnectError(ScreenClose.ENDED, `connection to ${target} failed: ${err.message}`);
  });
  socket.on('close', () => {
    closed = true;
    closeListener?.(failure);
  });
  return {
    route: 'direct',
    agentId: null,
    write: (chunk) => socket.write(chunk),
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    close: () => socket.destroy(),
    onData: (listener) => socket.on('data', listener),
    onDrain: (listener) => socket.on('drain', listener),
    onClose: (listener) => {
      closeListener = listener;
      if (closed) listener(failure);
    },
  };
}

/**
 * Waits for the far end's RFB ProtocolVersion (`RFB 003.008\n`) before anything of the
 * viewer is sent, and resolves with the same stream, whose first data is that greeting.
 * Anything else is REMOTE_NOT_VNC and closes the stream: a wrong first byte at once, a
 * close without a greeting, silence after `timeoutMs`. A reason the far end gave for
 * closing (the agent refusing the target, say) is kept.
 */
export function afterRfbGreeting(upstream: Upstream, target: string, timeoutMs: number): Promise<Upstream> {
  const held: Buffer[] = [];
  let greeted = false;
  let dataListener: ((chunk: Buffer) => void) | undefined;
  let closeListener: ((reason: KioskConnectError | null) => void) | undefined;
  let closed: { reason: KioskConnectError | null } | undefined;
  const greetedUpstream: Upstream = {
    route: upstream.route,
    agentId: upstream.agentId,
    write: (chunk) => upstream.write(chunk),
    pause: () => upstream.pause(),
    resume: () => upstream.resume(),
    close: () => upstream.close(),
    onDrain: (listener) => upstream.onDrain(listener),
    onData: (listener) => {
      dataListener = listener;
      for (const chunk of held.splice(0)) listener(chunk);
    },
    onClose: (listener) => {
      closeListener = listener;
      if (closed) listener(closed.reason);
    },
  };
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (err: KioskConnectError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      upstream.close();
      reject(err);
    };
    const notVnc = (what: string) => new KioskConnectError(ScreenClose.NOT_VNC, `${target} is not a VNC server: ${what}`);
    const timer = setTimeout(() => fail(notVnc(`it sent no RFB greeting within ${timeoutMs} ms`)), timeoutMs);
    upstream.onData((chunk) => {
      if (dataListener) return dataListener(chunk);
      held.push(chunk);
      if (greeted) return;
      const first = Buffer.concat(held);
      const verdict = checkRfbGreeting(first);
      if (verdict === 'invalid') return fail(notVnc(`it answered ${JSON.stringify(printable(first.subarray(0, 12)))}, not an RFB greeting`));
      if (verdict === 'incomplete') return;
      greeted = true;
      settled = true;
      clearTimeout(timer);
      resolve(greetedUpstream);
    });
    upstream.onClose((reason) => {
      closed = { reason };
      if (greeted) return closeListener?.(reason);
      fail(reason && reason.reason !== ScreenClose.ENDED ? reason : notVnc('it closed the connection without an RFB greeting'));
    });
  });
}

/** The first bytes of a wrong greeting, for the log and the audit: printable ASCII, the rest as dots. */
function printable(bytes: Buffer): string {
  return [...bytes].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
}
