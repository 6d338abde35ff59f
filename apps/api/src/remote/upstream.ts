import net from 'node:net';
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
