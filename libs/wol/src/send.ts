import dgram from 'node:dgram';
import { isIP } from 'node:net';
import { magicPacket, type SecureOnPassword } from './packet';
import { isLimitedBroadcast } from './subnet';

/*
 * Why not the `wake_on_lan` npm package (it is a dependency, and its
 * createMagicPacket is correct): its `wake()` defaults to the limited broadcast
 * address, always sets SO_BROADCAST even for unicast, has no SecureOn password,
 * cannot bind to a chosen interface address and reports only the first error
 * through a callback. We need a directed broadcast or unicast target that is
 * always explicit, the broadcast flag only when asked, and a promise that says
 * how many packets actually left. So this module uses `node:dgram` directly.
 */

export class WakeSendError extends Error {
  readonly code: 'WOL_TARGET_INVALID' | 'WOL_SEND_FAILED';
  constructor(code: WakeSendError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WakeSendError';
    this.code = code;
  }
}

export interface SendMagicPacketOptions {
  /** Directed broadcast (e.g. 10.1.2.255) or unicast address of the kiosk. Required: no default. */
  address: string;
  /** UDP port; 9 (discard) is the convention, 7 is also common. */
  port?: number;
  /** How many packets to send; WoL is fire-and-forget over UDP, so a few repeats cover loss. */
  repeat?: number;
  /** Pause between repeats, in ms. */
  intervalMs?: number;
  /** Set SO_BROADCAST; needed when `address` is a broadcast address of an attached subnet. */
  broadcast?: boolean;
  /** Local address to send from, to choose the interface/VLAN on a multi-homed Pi. */
  bindAddress?: string;
  password?: SecureOnPassword;
  signal?: AbortSignal;
}

export interface SendMagicPacketResult {
  sent: number;
  bytes: number;
}

/** Sends `repeat` magic packets for `mac` to `address:port`, `intervalMs` apart. */
export async function sendMagicPacket(mac: string, options: SendMagicPacketOptions): Promise<SendMagicPacketResult> {
  const { address, port = 9, repeat = 3, intervalMs = 100, broadcast = false } = options;
  const family = isIP(address);
  if (family === 0) throw new WakeSendError('WOL_TARGET_INVALID', `${JSON.stringify(address)} is not an IP address`);
  if (isLimitedBroadcast(address)) {
    // Routers never forward it and it floods every interface of the Pi; a kiosk's
    // subnet has a directed broadcast address, which is what we want instead.
    throw new WakeSendError(
      'WOL_TARGET_INVALID',
      "the limited broadcast address is not allowed; use the subnet's directed broadcast",
    );
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new WakeSendError('WOL_TARGET_INVALID', `port ${port} is not between 1 and 65535`);
  }
  if (!Number.isInteger(repeat) || repeat < 1)
    throw new WakeSendError('WOL_TARGET_INVALID', `repeat ${repeat} must be >= 1`);
  const packet = magicPacket(mac, { password: options.password });

  const socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
  let socketError: Error | undefined;
  socket.on('error', (err) => (socketError = err));
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: options.bindAddress, port: 0 }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.setBroadcast(broadcast);

    let sent = 0;
    for (let i = 0; i < repeat; i++) {
      if (options.signal?.aborted) break;
      if (i > 0) await delay(intervalMs, options.signal);
      if (options.signal?.aborted) break;
      await new Promise<void>((resolve, reject) =>
        socket.send(packet, port, address, (err) => (err ? reject(err) : resolve())),
      );
      sent++;
    }
    if (socketError) throw socketError;
    return { sent, bytes: packet.length };
  } catch (err) {
    if (err instanceof WakeSendError) throw err;
    throw new WakeSendError('WOL_SEND_FAILED', `sending to ${address}:${port} failed: ${(err as Error).message}`, {
      cause: err,
    });
  } finally {
    socket.close();
  }
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
