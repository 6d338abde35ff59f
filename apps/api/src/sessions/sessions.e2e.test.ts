import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, Socket } from 'socket.io-client';
import { LiveEventsService } from '../live/live-events.service';
import { RfbClient } from '../../testing/remote/rfb-client';
import { RecordingVnc, startRecordingVnc } from '../../testing/remote/recording-vnc';
import { seedTwoHospitals, TEST_PASSWORD } from '../../testing/fixtures';
import { Client, startTestApi, TestApi } from '../../testing/test-app';
import { until } from '../../testing/wait';

/**
 * Issue 21: sessions that really end. Logout and a change to an account (role,
 * hospitals, password, disabled, deletion) end every session of the user, and with
 * them the user's socket.io connections and screen sessions, on every API replica,
 * within a second. Two API processes share one database and Redis prefix here, as
 * behind a load balancer; a stand-in VNC server records the keys that reach it.
 */
describe('sessions that really end', () => {
  let api: TestApi;
  /** A second API process of the same deployment. */
  let replica: TestApi;
  let vnc: RecordingVnc;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  let admin: Client;
  let kioskId: string;
  const sockets: Socket[] = [];
  let serial = 0;

  interface Live {
    socket: Socket;
    /** Every event name received, in order. */
    events: string[];
    /** When the server closed the connection (Date.now()). */
    disconnected: Promise<number>;
  }

  /** A socket.io connection of the console with the client's session cookie, once the server said `ready`. */
  async function live(a: TestApi, client: Client): Promise<Live> {
    const socket = io(a.url, {
      path: '/socket.io',
      transports: ['websocket'],
      reconnection: false,
      extraHeaders: { cookie: client.cookie! },
    });
    sockets.push(socket);
    const events: string[] = [];
    socket.onAny((event: string) => events.push(event));
    const disconnected = new Promise<number>((resolve) => socket.on('disconnect', () => resolve(Date.now())));
    await new Promise<void>((resolve, reject) => {
      socket.once('ready', () => resolve());
      socket.once('session.invalid', () => reject(new Error('session refused')));
      socket.once('connect_error', reject);
    });
    return { socket, events, disconnected };
  }

  /** The promise's value if it settles within `ms`, else a failure saying what did not happen. */
  function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
    let timer: NodeJS.Timeout;
    const late = new Promise<never>(
      (_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)),
    );
    return Promise.race([promise, late]).finally(() => clearTimeout(timer));
  }

  async function newUser(role: string, hospitalIds: string[] = []): Promise<{ id: string; username: string }> {
    const username = `sess-${role}-${++serial}`;
    const res = await admin.post('/api/users', { username, password: TEST_PASSWORD, role, hospitalIds });
    expect(res.status, res.text).toBe(201);
    return { id: res.body.id, username };
  }

  const wsUrl = (a: TestApi, path: string) => a.url.replace(/^http/, 'ws') + path;
  async function screenTicket(client: Client): Promise<{ path: string }> {
    const res = await client.post(`/api/kiosks/${kioskId}/screen-tickets`);
    expect(res.status, res.text).toBe(201);
    return res.body;
  }

  beforeAll(async () => {
    vnc = await startRecordingVnc();
    // TRUST_PROXY: the test's requests come from loopback, as if through a proxy there (the Secure cookie test).
    api = await startTestApi({ REMOTE_VNC_PORTS: String(vnc.port), REMOTE_CONNECT_TIMEOUT_MS: '1000', TRUST_PROXY: '127.0.0.1' });
    replica = await startTestApi(
      { REMOTE_VNC_PORTS: String(vnc.port), REMOTE_CONNECT_TIMEOUT_MS: '1000' },
      { replicaOf: api },
    );
    ids = await seedTwoHospitals(api.db);
    admin = await api.login('admin');
    expect((await admin.patch(`/api/sites/${ids.siteA}`, { subnets: ['127.0.0.0/8'] })).status).toBe(200);
    const kiosk = await admin.post('/api/kiosks', {
      siteId: ids.siteA,
      code: 'SESS-01',
      name: 'Registration 1',
      kind: 'registration',
      ip: '127.0.0.1',
      mac: '02:00:00:00:21:01',
      vncPort: vnc.port,
    });
    expect(kiosk.status, kiosk.text).toBe(201);
    kioskId = kiosk.body.id;
  }, 60_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await replica?.close();
    await api?.close();
    await vnc?.close();
  });

  it('logout ends every session of the user: each socket.io connection closes within a second and hears nothing more', async () => {
    const [first, second, bystander] = [
      await api.login('staff-a'),
      await api.login('staff-a'),
      await api.login('viewer-a'),
    ];
    const [firstLive, secondLive, bystanderLive] = [
      await live(api, first),
      await live(api, second),
      await live(api, bystander),
    ];

    const started = Date.now();
    expect((await first.post('/api/auth/logout')).status).toBe(204);
    const closedAt = await within(
      Promise.all([firstLive.disconnected, secondLive.disconnected]),
      1000,
      'the sockets of the user closed',
    );
    expect(Math.max(...closedAt) - started).toBeLessThan(1000);
    expect(firstLive.events).toEqual(['ready', 'session.ended']);
    expect(secondLive.events).toEqual(['ready', 'session.ended']);

    // An event of their hospital reaches the other user, not them.
    const heard = new Promise((resolve) => bystanderLive.socket.once('kiosk.liveness', resolve));
    await api.app.get(LiveEventsService).publish('kiosk.liveness', ids.hospitalA, { kioskId, observed: 'down' });
    await within(heard, 2000, 'the bystander heard the event');
    expect(firstLive.events).toEqual(['ready', 'session.ended']);
    expect(secondLive.events).toEqual(['ready', 'session.ended']);
    expect(bystanderLive.socket.connected).toBe(true);

    // Neither session works any more, over HTTP or for a new socket; a request with one
    // is told it was ended, not that it expired (the console words the two differently).
    const refused = await second.get('/api/auth/me');
    expect(refused.status).toBe(401);
    expect(refused.body.error).toMatchObject({ code: 'SESSION_ENDED', details: { reason: 'logout' } });
    expect((await api.anonymous().get('/api/auth/me')).body.error.code).toBe('UNAUTHENTICATED');
    await expect(live(api, second)).rejects.toThrow('session refused');
    expect((await bystander.get('/api/auth/me')).status).toBe(200);
    expect(await api.redis.zcard(`${api.config.redis.prefix}user-sessions:${ids.users['staff-a']}`)).toBe(0);
  });

  it("two API replicas: logout on one closes the user's socket on the other within a second", async () => {
    const client = await api.login('viewer-a');
    expect((await new Client(replica.url, client.cookie).get('/api/auth/me')).status).toBe(200);
    const onReplica = await live(replica, client);
    const started = Date.now();
    expect((await client.post('/api/auth/logout')).status).toBe(204);
    const closedAt = await within(onReplica.disconnected, 1000, 'the socket on the other replica closed');
    expect(closedAt - started).toBeLessThan(1000);
    expect(onReplica.events).toEqual(['ready', 'session.ended']);
  });

  it('a change to the account ends its sessions: role, hospitals, password, disabled, deletion; a new display name does not', async () => {
    const changes: [string, (id: string) => Promise<{ status: number }>][] = [
      ['role', (id) => admin.patch(`/api/users/${id}`, { role: 'staff' })],
      ['hospitals', (id) => admin.patch(`/api/users/${id}`, { hospitalIds: [ids.hospitalB] })],
      ['password', (id) => admin.patch(`/api/users/${id}`, { password: 'another-password-2' })],
      ['disabled', (id) => admin.patch(`/api/users/${id}`, { disabled: true })],
      ['deletion', (id) => admin.delete(`/api/users/${id}`)],
    ];
    for (const [what, change] of changes) {
      const user = await newUser('viewer', [ids.hospitalA]);
      const client = await api.login(user.username);
      const [here, there] = [await live(api, client), await live(replica, client)];
      const started = Date.now();
      expect((await change(user.id)).status, what).toBeLessThan(300);
      const closedAt = await within(
        Promise.all([here.disconnected, there.disconnected]),
        1000,
        `sockets closed after a ${what} change`,
      );
      expect(Math.max(...closedAt) - started, what).toBeLessThan(1000);
      expect(here.events, what).toEqual(['ready', 'session.ended']);
      expect((await client.get('/api/auth/me')).status, what).toBe(401);
    }

    const user = await newUser('viewer', [ids.hospitalA]);
    const client = await api.login(user.username);
    const kept = await live(api, client);
    expect((await admin.patch(`/api/users/${user.id}`, { displayName: 'Nurse Li' })).status).toBe(200);
    // The bystander event arrives after anything the change would have sent.
    const heard = new Promise((resolve) => kept.socket.once('kiosk.liveness', resolve));
    await api.app.get(LiveEventsService).publish('kiosk.liveness', ids.hospitalA, { kioskId, observed: 'up' });
    await within(heard, 2000, 'the socket still hears its hospital');
    expect(kept.events).toEqual(['ready', 'kiosk.liveness']);
    expect((await client.get('/api/auth/me')).status).toBe(200);
  });

  it('disabling a user closes their screen control session at once; a keystroke after it does not reach the kiosk', async () => {
    const user = await newUser('ops');
    const client = await api.login(user.username);
    const viewer = await RfbClient.open(wsUrl(api, (await screenTicket(client)).path), {
      headers: { cookie: client.cookie! },
    });
    viewer.console({ type: 'control', on: true });
    viewer.key(0x61);
    await until(async () => vnc.keys.includes(0x61), 5000, 20);
    expect(vnc.open).toBe(1);

    const started = Date.now();
    expect((await admin.patch(`/api/users/${user.id}`, { disabled: true })).status).toBe(200);
    const closed = await within(viewer.closed, 1000, 'the screen closed');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(closed).toEqual({ code: 4401, reason: 'SESSION_ENDED' });
    viewer.key(0x62);
    // Nothing reaches the kiosk once the relay's connection to it is gone.
    await until(async () => vnc.open === 0, 2000, 20);
    expect(vnc.keys).not.toContain(0x62);
    await until(
      async () =>
        (await api.db.query('SELECT end_reason FROM remote_sessions WHERE user_id = ?', [user.id]))[0]?.end_reason ===
        'SESSION_ENDED',
      5000,
      50,
    );
  });

  it('logout on one replica closes a screen open on the other', async () => {
    const client = await api.login('ops');
    const viewer = await RfbClient.open(wsUrl(replica, (await screenTicket(client)).path), {
      headers: { cookie: client.cookie! },
    });
    await viewer.frame();
    const started = Date.now();
    expect((await client.post('/api/auth/logout')).status).toBe(204);
    expect(await within(viewer.closed, 1000, 'the screen on the other replica closed')).toEqual({
      code: 4401,
      reason: 'SESSION_ENDED',
    });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('a screen ticket is bound to the session that asked for it, not only to the user', async () => {
    const [first, second] = [await api.login('ops'), await api.login('ops')];
    const ticket = await screenTicket(first);
    const refused = await RfbClient.open(wsUrl(api, ticket.path), {
      headers: { cookie: second.cookie! },
      handshake: false,
    });
    expect(await within(refused.closed, 5000, 'the screen was refused')).toEqual({
      code: 4403,
      reason: 'REMOTE_TICKET_INVALID',
    });
    // Trying burns it: the session it was issued to cannot use it either.
    const burnt = await RfbClient.open(wsUrl(api, ticket.path), {
      headers: { cookie: first.cookie! },
      handshake: false,
    });
    expect(await burnt.closed).toEqual({ code: 4403, reason: 'REMOTE_TICKET_INVALID' });
    const own = await RfbClient.open(wsUrl(api, (await screenTicket(first)).path), {
      headers: { cookie: first.cookie! },
    });
    expect(own.width).toBe(4);
    own.close();
  });

  it('the only enabled admin cannot be demoted, disabled or deleted (409 LAST_ADMIN); with another admin it can', async () => {
    const adminId = ids.users.admin;
    const attempts = [
      await admin.patch(`/api/users/${adminId}`, { role: 'ops' }),
      await admin.patch(`/api/users/${adminId}`, { disabled: true }),
      await admin.delete(`/api/users/${adminId}`),
    ];
    for (const res of attempts) {
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('LAST_ADMIN');
    }
    const [row] = await api.db.query('SELECT role, disabled FROM users WHERE id = ?', [adminId]);
    expect(row).toMatchObject({ role: 'admin', disabled: 0 });
    expect((await admin.get('/api/auth/me')).status).toBe(200);
    const audited = await api.db.query(
      `SELECT id FROM audit_entries WHERE entity_type = 'user' AND entity_id = ? AND action IN ('update', 'delete')`,
      [adminId],
    );
    expect(audited).toEqual([]);

    // A disabled admin does not count.
    const dormant = await newUser('admin');
    expect((await admin.patch(`/api/users/${dormant.id}`, { disabled: true })).status).toBe(200);
    expect((await admin.patch(`/api/users/${adminId}`, { role: 'ops' })).body.error.code).toBe('LAST_ADMIN');

    // Two admins demoting each other at once: one wins, one admin remains.
    const other = await newUser('admin');
    const otherClient = await api.login(other.username);
    const both = await Promise.all([
      admin.patch(`/api/users/${other.id}`, { role: 'ops' }),
      otherClient.patch(`/api/users/${adminId}`, { role: 'ops' }),
    ]);
    expect(both.filter((r) => r.status === 200)).toHaveLength(1);
    const [{ n }] = await api.db.query(`SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND disabled = 0`);
    expect(Number(n)).toBe(1);
  });

  it('the session cookie is Secure when the console is reached over HTTPS (COOKIE_SECURE=auto), here through a trusted proxy on loopback', async () => {
    const login = (headers: Record<string, string>) =>
      api.anonymous().request('POST', '/api/auth/login', { username: 'viewer', password: TEST_PASSWORD }, headers);
    const plain = (await login({})).headers.get('set-cookie')!;
    expect(plain).not.toMatch(/;\s*Secure/i);
    // A browser on the https page sends its https origin.
    const secureOrigin = api.url.replace(/^http:/, 'https:');
    const proxied = await login({ 'x-forwarded-proto': 'https', origin: secureOrigin });
    const cookie = proxied.headers.get('set-cookie')!;
    expect(cookie).toMatch(/;\s*Secure/i);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const logout = await new Client(api.url, cookie.split(';')[0]).request('POST', '/api/auth/logout', undefined, {
      'x-forwarded-proto': 'https',
      origin: secureOrigin,
    });
    expect(logout.status).toBe(204);
    expect(logout.headers.get('set-cookie')).toMatch(/^wk_session=;.*Secure/i);
  });
});
