import net from 'node:net';
import type { AddressInfo } from 'node:net';
import {
  decodeFrame,
  encodeFrame,
  encodeJsonFrame,
  Frame,
  FrameType,
  parseJsonPayload,
} from '@wakeward/agent-protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { AgentConfig, AgentConfigSchema } from '../config';
import { memoryLogger } from '../../testing/silent-log';
import { RelayChannel } from './relay-channel';

/**
 * The agent's side of the relay, whatever the API asks: only kiosks' VNC servers
 * (allowed port, declared subnets, no loopback or own address unless allowed), and
 * nothing of the API's bytes before the kiosk has greeted as an RFB server. The API
 * is a plain WebSocket server here, speaking the relay frames.
 */

const GREETING = Buffer.from('RFB 003.008\n');
/** Issue 20's attack: a viewer version, then a SetEncodings whose "encodings" are Redis commands. */
const SMUGGLED = Buffer.concat([
  Buffer.from('RFB 003.008\n'),
  Buffer.from([2, 0, 0, 3]),
  Buffer.from('KEYS *\r\nQUIT'),
]);

interface Listener {
  port: number;
  connections: number;
  received: number;
  close(): Promise<void>;
}

/** A TCP listener on loopback counting connections and bytes; `onConnection` plays a service. */
async function listen(onConnection: (socket: net.Socket) => void = () => {}): Promise<Listener> {
  const sockets = new Set<net.Socket>();
  const state = { connections: 0, received: 0 };
  const server = net.createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('data', (d) => (state.received += d.length));
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    get connections() {
      return state.connections;
    },
    get received() {
      return state.received;
    },
    close: () => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), server.close(() => r()))),
  };
}

const redisLike = (socket: net.Socket) =>
  socket.on('data', (d) => socket.write(d.includes('KEYS') ? '*0\r\n' : '+OK\r\n'));
const greetingBanner = (socket: net.Socket) => socket.write('SSH-2.0-OpenSSH_9.2\r\n');
const httpLike = (socket: net.Socket) => socket.on('data', () => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));

/** The API's end of the relay channel: sends frames, collects what the agent sends per stream. */
class FakeApi {
  private readonly wss: WebSocketServer;
  private ws?: WebSocket;
  private readonly frames: Frame[] = [];
  private readonly waiters: Array<() => void> = [];
  readonly ready: Promise<void>;

  constructor() {
    this.wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/api/agent/v1/relay' });
    this.ready = new Promise((resolve) =>
      this.wss.on('connection', (ws) => {
        this.ws = ws;
        ws.on('message', (data) => {
          this.frames.push(decodeFrame(data as Buffer)!);
          this.waiters.splice(0).forEach((w) => w());
        });
        resolve();
      }),
    );
  }

  get url(): string {
    return `http://127.0.0.1:${(this.wss.address() as AddressInfo).port}`;
  }

  open(id: number, host: string, port: number, timeoutMs = 400): void {
    this.ws!.send(encodeJsonFrame(FrameType.OPEN, id, { host, port, timeoutMs }));
  }

  data(id: number, bytes: Buffer): void {
    this.ws!.send(encodeFrame(FrameType.DATA, id, bytes));
  }

  /** The next frame of the stream matching `type` (waits for it). */
  async next(id: number, type: number, timeoutMs = 5_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.frames.findIndex((f) => f.streamId === id && f.type === type);
      if (i >= 0) return this.frames.splice(i, 1)[0]!;
      if (Date.now() > deadline) throw new Error(`no frame ${type} on stream ${id}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  async closeOf(id: number): Promise<{ code?: string; message?: string }> {
    return parseJsonPayload<{ code?: string; message?: string }>((await this.next(id, FrameType.CLOSE)).payload) ?? {};
  }

  sent(id: number, type: number): number {
    return this.frames.filter((f) => f.streamId === id && f.type === type).length;
  }

  close(): Promise<void> {
    return new Promise((r) => this.wss.close(() => r()));
  }
}

function relayConfig(relay: Record<string, unknown>): AgentConfig['relay'] {
  return AgentConfigSchema.parse({ apiUrl: 'http://127.0.0.1:1', relay }).relay;
}

describe('RelayChannel', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function start(relay: Record<string, unknown>, subnets = ['127.0.0.0/8']) {
    const api = new FakeApi();
    await new Promise((r) => setTimeout(r, 0));
    const log = memoryLogger();
    const channel = new RelayChannel({
      apiUrl: api.url,
      token: () => 'token',
      config: relayConfig(relay),
      subnets,
      backoff: { initialMs: 50, maxMs: 200 },
      log,
    });
    void channel.start();
    await api.ready;
    cleanups.push(
      () => api.close(),
      () => channel.stop(),
    );
    return { api, channel, log };
  }

  async function listener(onConnection?: (socket: net.Socket) => void) {
    const l = await listen(onConnection);
    cleanups.push(() => l.close());
    return l;
  }

  it('relay settings: ports 5900-5909 by default, ranges and ports accepted, CIDR checked', () => {
    expect(relayConfig({})).toMatchObject({ allowedPorts: ['5900-5909'], allowTargets: [] });
    expect(relayConfig({}).allowedSubnets).toBeUndefined();
    expect(relayConfig({ allowedPorts: [5900, '5990-5999'] }).allowedPorts).toEqual([5900, '5990-5999']);
    for (const relay of [
      { allowedPorts: ['5909-5900'] },
      { allowedPorts: [] },
      { allowTargets: ['localhost'] },
      { allowedSubnets: ['10.1.2.0'] },
    ]) {
      expect(() => relayConfig(relay), JSON.stringify(relay)).toThrow();
    }
  });

  it.each([
    ['a silent TCP listener', undefined],
    ['an HTTP server', httpLike],
    ['a Redis-like listener answering +OK to anything', redisLike],
  ])(
    "%s: the API's bytes (the smuggled Redis commands) never reach it; REMOTE_NOT_VNC after the wait",
    async (_what, service) => {
      const target = await listener(service);
      const { api } = await start({ allowTargets: ['127.0.0.0/8'], allowedPorts: [target.port] });
      api.open(1, '127.0.0.1', target.port, 400);
      await api.next(1, FrameType.OPENED);
      api.data(1, SMUGGLED);
      const started = Date.now();
      expect(await api.closeOf(1)).toMatchObject({ code: 'REMOTE_NOT_VNC' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
      expect(target.received).toBe(0);
      expect(api.sent(1, FrameType.DATA)).toBe(0);
    },
  );

  it('a service that speaks first but not RFB is refused at once, and nothing of it reaches the API', async () => {
    const target = await listener(greetingBanner);
    const { api } = await start({ allowTargets: ['127.0.0.0/8'], allowedPorts: [target.port] });
    api.open(1, '127.0.0.1', target.port, 10_000);
    await api.next(1, FrameType.OPENED);
    api.data(1, SMUGGLED);
    const started = Date.now();
    expect(await api.closeOf(1)).toMatchObject({
      code: 'REMOTE_NOT_VNC',
      message: expect.stringMatching(/not a VNC server/),
    });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(target.received).toBe(0);
    expect(api.sent(1, FrameType.DATA)).toBe(0);
  });

  it('refuses before connecting: link-local, loopback without relay.allowTargets, ports outside relay.allowedPorts, outside the subnets, no subnets', async () => {
    const loopback = await listener();
    const otherPort = await listener();
    const allowing = await start({ allowTargets: ['127.0.0.0/8'], allowedPorts: [loopback.port] }, [
      '127.0.0.0/8',
      '169.254.0.0/16',
      '10.9.0.0/16',
    ]);
    const refusedBy = async (api: FakeApi, id: number, host: string, port: number) => {
      api.open(id, host, port);
      const close = await api.closeOf(id);
      expect(close.code, `${host}:${port}`).toBe('REMOTE_TARGET_REFUSED');
      expect(api.sent(id, FrameType.OPENED)).toBe(0);
      return close.message;
    };
    expect(await refusedBy(allowing.api, 1, '169.254.169.254', loopback.port)).toMatch(/link-local/);
    expect(await refusedBy(allowing.api, 2, '127.0.0.1', 6379)).toMatch(/port 6379 is not in relay.allowedPorts/);
    expect(await refusedBy(allowing.api, 3, '127.0.0.1', otherPort.port)).toMatch(/relay.allowedPorts/);
    expect(await refusedBy(allowing.api, 4, '10.8.1.1', loopback.port)).toMatch(/outside the declared subnets/);
    expect(await refusedBy(allowing.api, 5, 'localhost', loopback.port)).toMatch(/not an IPv4 address/);

    const strict = await start({ allowedPorts: [loopback.port] });
    expect(await refusedBy(strict.api, 1, '127.0.0.1', loopback.port)).toMatch(/loopback/);
    const own = await start({ allowedPorts: [5900] }, ['0.0.0.0/0']);
    const ownAddress = Object.values((await import('node:os')).networkInterfaces())
      .flat()
      .find((a) => a?.family === 'IPv4' && !a.internal)?.address;
    if (ownAddress) expect(await refusedBy(own.api, 1, ownAddress, 5900)).toMatch(/address of this host/);
    const none = await start({ allowTargets: ['127.0.0.0/8'], allowedPorts: [loopback.port] }, []);
    expect(await refusedBy(none.api, 1, '127.0.0.1', loopback.port)).toMatch(/no subnets are declared/);

    expect(loopback.connections).toBe(0);
    expect(otherPort.connections).toBe(0);
  });

  it("a VNC server: the API's bytes wait for its greeting, then flow both ways in order", async () => {
    let receivedBeforeGreeting = 0;
    let greeted = false;
    const chunks: Buffer[] = [];
    const vnc = await listener((socket) => {
      socket.on('data', (d) => {
        if (!greeted) receivedBeforeGreeting += d.length;
        chunks.push(d);
      });
      setTimeout(() => {
        greeted = true;
        socket.write(GREETING);
      }, 150);
    });
    const { api } = await start({ allowTargets: ['127.0.0.0/8'], allowedPorts: [`${vnc.port}-${vnc.port}`] });
    api.open(1, '127.0.0.1', vnc.port, 2_000);
    await api.next(1, FrameType.OPENED);
    api.data(1, Buffer.from('RFB 003.008\n'));
    api.data(1, Buffer.from([1]));
    expect((await api.next(1, FrameType.DATA)).payload).toEqual(GREETING);
    await expect.poll(() => Buffer.concat(chunks).toString('latin1')).toBe('RFB 003.008\n\x01');
    expect(receivedBeforeGreeting).toBe(0);
  });

  it('holds at most 4 KB of the API before the greeting: more is RFB_PROTOCOL_UNSUPPORTED', async () => {
    const slow = await listener();
    const { api } = await start({ allowTargets: ['127.0.0.0/8'], allowedPorts: [slow.port] });
    api.open(1, '127.0.0.1', slow.port, 10_000);
    await api.next(1, FrameType.OPENED);
    api.data(1, Buffer.alloc(5000, 0x41));
    expect(await api.closeOf(1)).toMatchObject({ code: 'RFB_PROTOCOL_UNSUPPORTED' });
    expect(slow.received).toBe(0);
  });
});
