import { io, Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedTwoHospitals } from '../../testing/fixtures';
import { RoundRobinProxy } from '../../testing/round-robin-proxy';
import { startTestApi, TestApi } from '../../testing/test-app';
import { LiveEventsService } from './live-events.service';

/**
 * Issue 24: the console's live connection through a balancer with no stickiness. The
 * console connects by WebSocket only (apps/web/src/live.ts): one connection, held by
 * one replica, hears events published by any process through Redis; the origin check
 * still holds for WebSocket-only clients.
 */
describe('live updates across API replicas', () => {
  let a: TestApi;
  let b: TestApi;
  let balancer: RoundRobinProxy;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  let cookie: string;
  const sockets: Socket[] = [];

  /** A socket.io client configured as the console's, at `url`, with the session cookie and `origin`. */
  function consoleSocket(url: string, origin = url, transports: Array<'websocket' | 'polling'> = ['websocket']) {
    const socket = io(url, { path: '/socket.io', transports, reconnection: false, extraHeaders: { cookie, origin } });
    sockets.push(socket);
    return socket;
  }
  const outcome = (socket: Socket) =>
    new Promise<string>((resolve) => {
      socket.once('ready', () => resolve('ready'));
      socket.once('disconnect', () => resolve('disconnected'));
      socket.once('connect_error', (err) => resolve(`connect_error: ${err.message}`));
    });

  beforeAll(async () => {
    a = await startTestApi();
    b = await startTestApi({}, { replicaOf: a });
    ids = await seedTwoHospitals(a.db);
    cookie = (await a.login('ops')).cookie!;
    balancer = new RoundRobinProxy([a.url, b.url].map((u) => Number(new URL(u).port)));
    await balancer.start();
  });

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await balancer?.stop();
    await b?.close();
    await a?.close();
  });

  it('a WebSocket-only client through a round-robin balancer connects every time and hears events published on either replica', async () => {
    const clients = Array.from({ length: 6 }, () => consoleSocket(balancer.url));
    expect(await Promise.all(clients.map(outcome))).toEqual(Array(6).fill('ready'));
    for (const [publisher, type] of [
      [a, 'alert.opened'],
      [b, 'alert.updated'],
    ] as const) {
      const heard = clients.map((s) => new Promise((resolve) => s.once(type, resolve)));
      await publisher.app.get(LiveEventsService).publish(type, ids.hospitalA, { alertId: type });
      expect(await Promise.all(heard)).toEqual(Array(6).fill({ alertId: type, hospitalId: ids.hospitalA }));
    }
  });

  it("still refuses another site's page and a socket without a session", async () => {
    expect(await outcome(consoleSocket(b.url, 'https://evil.example'))).toBe('disconnected');
    const anonymous = io(b.url, { path: '/socket.io', transports: ['websocket'], reconnection: false, extraHeaders: { origin: b.url } });
    sockets.push(anonymous);
    const invalid = new Promise((resolve) => anonymous.once('session.invalid', resolve));
    expect(await outcome(anonymous)).toBe('disconnected');
    expect(await invalid).toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});
