import dgram from 'node:dgram';
import dns from 'node:dns';
import { isIP } from 'node:net';
import { MacAddressError } from './mac';
import { magicPacket, SecureOnPasswordError, type SecureOnPassword } from './packet';
import { isLimitedBroadcast } from './subnet';

/*
 * Why not the `wake_on_lan` npm package (it is a dependency, and its
 * createMagicPacket is correct): its `wake()` defaults to the limited broadcast
 * address, always sets SO_BROADCAST even for unicast, has no SecureOn password,
 * cannot bind to a chosen interface address, opens one socket per MAC and reports
 * only the first error through a callback. We need a directed broadcast or unicast
 * target that is always explicit, the broadcast flag only when asked, many kiosks
 * woken in the same millisecond, and per-kiosk outcomes. So this module uses
 * `node:dgram` directly.
 */

export class WakeSendError extends Error {
  readonly code: 'WOL_TARGET_INVALID' | 'WOL_SEND_FAILED' | 'MAC_INVALID' | 'SECUREON_PASSWORD_INVALID';
  constructor(code: WakeSendError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WakeSendError';
    this.code = code;
  }
}

export interface MagicPacketTarget {
  mac: string;
  /** Directed broadcast (e.g. 10.1.2.255) or unicast address of the kiosk. Required: no default. */
  address: string;
  /** UDP port; 9 (discard) is the convention, 7 is also common. */
  port?: number;
  /** Set SO_BROADCAST; needed when `address` is a broadcast address of an attached subnet. */
  broadcast?: boolean;
  password?: SecureOnPassword;
}

export interface SendOptions {
  /** How many packets per target; WoL is fire-and-forget over UDP, so a few repeats cover loss. */
  repeat?: number;
  /** Pause between repeats, in ms. */
  intervalMs?: number;
  /** Local address to send from, to choose the interface/VLAN on a multi-homed Pi. */
  bindAddress?: string;
  signal?: AbortSignal;
}

export type SendMagicPacketOptions = Omit<MagicPacketTarget, 'mac'> & SendOptions;

export interface SendMagicPacketResult {
  sent: number;
  bytes: number;
}

export interface MagicPacketOutcome extends SendMagicPacketResult {
  /** Set when this target got fewer packets than asked (invalid target or send error). */
  error?: WakeSendError;
}

/** Sends `repeat` magic packets for `mac` to `address:port`, `intervalMs` apart. */
export async function sendMagicPacket(mac: string, options: SendMagicPacketOptions): Promise<SendMagicPacketResult> {
  const [outcome] = await sendMagicPackets([{ ...options, mac }], options);
  if (outcome!.error) throw outcome!.error;
  return { sent: outcome!.sent, bytes: outcome!.bytes };
}

/**
 * Wakes many kiosks at once: round 1 goes to every target back to back, then round
 * 2 after `intervalMs`, and so on. Sockets are shared (one per address family and
 * broadcast flag), so 200 kiosks leave in about a millisecond. One bad target
 * fails alone; the outcomes are in the order of `targets`. Opens its sockets and
 * closes them again: a sender that wakes again and again keeps a `MagicPacketSender`.
 */
export async function sendMagicPackets(
  targets: MagicPacketTarget[],
  options: SendOptions = {},
): Promise<MagicPacketOutcome[]> {
  const sender = new MagicPacketSender({ bindAddress: options.bindAddress });
  try {
    return await sender.send(targets, options);
  } finally {
    sender.close();
  }
}

/** A target checked and prepared for send(): its packet, where it goes and on which socket. */
interface ReadyTarget {
  index: number;
  packet: Buffer;
  address: string;
  port: number;
  socketKey: string;
}

/** Sends issued before the event loop is let turn (see sendRound()). */
const SEND_CHUNK = 64;

/** Packets cached per sender; past this many distinct kiosks the cache starts over. */
const MAX_CACHED_PACKETS = 10_000;

/**
 * A long-lived sender (an agent's): keeps its sockets open and its packets built
 * between wakes, so a wake due at an instant spends its time on send() calls only,
 * not on creating and binding sockets or parsing MACs.
 */
export class MagicPacketSender {
  private readonly sockets = new Map<string, Promise<dgram.Socket>>();
  private readonly packets = new Map<string, Buffer>();
  private closed = false;

  constructor(private readonly options: { bindAddress?: string } = {}) {}

  async send(
    targets: MagicPacketTarget[],
    options: Omit<SendOptions, 'bindAddress'> = {},
  ): Promise<MagicPacketOutcome[]> {
    const { repeat = 3, intervalMs = 100 } = options;
    if (!Number.isInteger(repeat) || repeat < 1) {
      throw new WakeSendError('WOL_TARGET_INVALID', `repeat ${repeat} must be >= 1`);
    }
    if (this.closed) throw new WakeSendError('WOL_SEND_FAILED', 'the sender is closed');
    const outcomes: MagicPacketOutcome[] = targets.map(() => ({ sent: 0, bytes: 0 }));
    const ready: ReadyTarget[] = [];
    for (const [index, target] of targets.entries()) {
      try {
        const prepared = this.prepared(target);
        outcomes[index]!.bytes = prepared.packet.length;
        ready.push({ index, ...prepared });
      } catch (err) {
        outcomes[index]!.error = toWakeError(err, target);
      }
    }

    const sockets = new Map<string, dgram.Socket>();
    const failed = new Set<string>();
    for (const key of new Set(ready.map((r) => r.socketKey))) {
      try {
        sockets.set(key, await this.socket(key));
      } catch (err) {
        for (const r of ready.filter((x) => x.socketKey === key))
          outcomes[r.index]!.error = toWakeError(err, targets[r.index]!);
      }
    }
    for (let round = 0; round < repeat; round++) {
      if (options.signal?.aborted) break;
      if (round > 0) await delay(intervalMs, options.signal);
      if (options.signal?.aborted) break;
      await sendRound(ready, sockets, outcomes, (r, err) => {
        outcomes[r.index]!.error = toWakeError(err, targets[r.index]!);
        failed.add(r.socketKey);
      });
    }
    // A socket that failed (its bind address gone after a DHCP change, say) is not
    // kept once this wake is done: the next wake opens a new one.
    for (const key of failed) this.forget(key, sockets.get(key)!);
    return outcomes;
  }

  private forget(key: string, socket: dgram.Socket): void {
    const cached = this.sockets.get(key);
    if (!cached) return;
    void cached.then(
      (s) => {
        if (s !== socket || this.sockets.get(key) !== cached) return;
        this.sockets.delete(key);
        closeQuietly(s);
      },
      () => undefined,
    );
  }

  /**
   * Builds the targets' packets and opens their sockets ahead of a wake that is due
   * later. Invalid targets are left for send() to report.
   */
  async prepare(targets: MagicPacketTarget[]): Promise<void> {
    const keys = new Set<string>();
    for (const target of targets) {
      try {
        keys.add(this.prepared(target).socketKey);
      } catch {
        /* reported by send() */
      }
    }
    await Promise.all([...keys].map((key) => this.socket(key).catch(() => undefined)));
  }

  /** Closes the sockets; sends still in progress fail with WOL_SEND_FAILED. */
  close(): void {
    this.closed = true;
    for (const socket of this.sockets.values()) void socket.then(closeQuietly, () => undefined);
    this.sockets.clear();
    this.packets.clear();
  }

  /** The target checked, its packet (built once) and which socket sends it; throws for a bad target. */
  private prepared(target: MagicPacketTarget): Omit<ReadyTarget, 'index'> {
    const { address, port = 9, broadcast = false } = target;
    const family = checkTarget(address, port);
    return { packet: this.packetFor(target), address, port, socketKey: `${family}:${broadcast}` };
  }

  private packetFor(target: MagicPacketTarget): Buffer {
    const pw = target.password;
    const key =
      pw === undefined ? target.mac : `${target.mac}|${typeof pw === 'string' ? pw : Buffer.from(pw).toString('hex')}`;
    let packet = this.packets.get(key);
    if (!packet) {
      packet = magicPacket(target.mac, { password: target.password });
      if (this.packets.size >= MAX_CACHED_PACKETS) this.packets.clear();
      this.packets.set(key, packet);
    }
    return packet;
  }

  private socket(key: string): Promise<dgram.Socket> {
    let socket = this.sockets.get(key);
    if (!socket) {
      socket = openSocket(key, this.options.bindAddress);
      this.sockets.set(key, socket);
      // A socket that failed to open is not kept: the next wake tries again.
      socket.catch(() => this.sockets.get(key) === socket && this.sockets.delete(key));
    }
    return socket;
  }
}

/**
 * One round: a packet to every ready target, resolved when every send has called
 * back. Each packet is on its socket when its send() returns (lookupIpAtOnce); the
 * sends' callbacks come on next ticks. Every SEND_CHUNK sends the event loop turns,
 * so a large batch (25,000 kiosks in the fleet bench's floor) neither holds timers
 * and sockets back until its end nor piles up its callbacks. An agent's own wake is
 * smaller than one chunk. One promise per round, not per packet: this runs cold at
 * an instant (bench/agent-instant.ts --wake).
 */
function sendRound(
  ready: readonly ReadyTarget[],
  sockets: ReadonlyMap<string, dgram.Socket>,
  outcomes: MagicPacketOutcome[],
  onError: (target: ReadyTarget, err: unknown) => void,
): Promise<void> {
  return new Promise((resolve) => {
    // Sends not yet called back, plus one while packets are still being issued.
    let pending = 1;
    const settle = () => {
      if (--pending === 0) resolve();
    };
    const issue = (from: number) => {
      for (let i = from; i < ready.length; i++) {
        if (i > from && i % SEND_CHUNK === 0) {
          setImmediate(issue, i);
          return;
        }
        const r = ready[i]!;
        const socket = sockets.get(r.socketKey);
        const outcome = outcomes[r.index]!;
        if (!socket || outcome.error) continue;
        pending++;
        const done = (err: unknown) => {
          if (err) onError(r, err);
          else outcome.sent++;
          settle();
        };
        try {
          socket.send(r.packet, r.port, r.address, done);
        } catch (err) {
          done(err); // a socket closed under us throws instead of calling back
        }
      }
      settle();
    };
    issue(0);
  });
}

/** Closes a socket that may already be closed (close() throws then). */
function closeQuietly(socket: dgram.Socket): void {
  try {
    socket.close();
  } catch {
    /* already closed */
  }
}

function checkTarget(address: string, port: number): 4 | 6 {
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
  return family as 4 | 6;
}

/**
 * dgram's own lookup answers even an IP address on the next tick, so each send waited
 * a tick, and a batch of sends left only once all of it was issued. Targets are IP
 * addresses (checkTarget): answered at once, a packet leaves when its send is issued.
 * Anything else (a bind address given as a name) still goes through DNS.
 */
function lookupIpAtOnce(
  host: string,
  options: number | dns.LookupOneOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const family = isIP(host);
  if (family !== 0) callback(null, host, family);
  else dns.lookup(host, options as dns.LookupOneOptions, callback);
}

async function openSocket(key: string, bindAddress: string | undefined): Promise<dgram.Socket> {
  const [family, broadcast] = key.split(':');
  const socket = dgram.createSocket({ type: family === '6' ? 'udp6' : 'udp4', lookup: lookupIpAtOnce });
  // Errors after bind surface through send callbacks; keep them from crashing the process.
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ address: bindAddress, port: 0 }, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.setBroadcast(broadcast === 'true');
  return socket;
}

function toWakeError(err: unknown, target: MagicPacketTarget): WakeSendError {
  if (err instanceof WakeSendError) return err;
  if (err instanceof MacAddressError || err instanceof SecureOnPasswordError) {
    return new WakeSendError(err.code, err.message, { cause: err });
  }
  return new WakeSendError(
    'WOL_SEND_FAILED',
    `sending to ${target.address}:${target.port ?? 9} failed: ${(err as Error).message}`,
    {
      cause: err,
    },
  );
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
