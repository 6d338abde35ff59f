import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolAgent } from '../../testing/agent-kit';
import { loopbackRelayAgentConfig, startAgentProcess } from '../../testing/agent-processes';
import { seedTwoHospitals } from '../../testing/fixtures';
import { Client, startTestApi, TestApi } from '../../testing/test-app';
import { matchRatio, RfbClient } from '../../testing/remote/rfb-client';
import { freeTcpPort, startVncKiosk, VncKiosk } from '../../testing/remote/vnc-kiosk';
import { until as waitUntil } from '../../testing/wait';

/**
 * Remote screens end to end: a real x11vnc on Xvfb (loopback) stands in for the
 * kiosk, viewers speak RFB over the API's WebSocket, and the agent route runs
 * through a real agent process.
 */
describe('remote screens', () => {
  let api: TestApi;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  let vnc: VncKiosk;
  let ops: Client;
  let staffA: Client;
  let kioskId: string;
  let closedKioskId: string;
  let closedPort: number;
  const agents: { stop(): Promise<void> }[] = [];

  const wsUrl = (path: string) => api.url.replace(/^http/, 'ws') + path;
  const open = async (client: Client, id = kioskId) => {
    const t = await client.post(`/api/kiosks/${id}/screen-tickets`);
    expect(t.status, t.text).toBe(201);
    return { ticket: t.body, rfb: RfbClient.open(wsUrl(t.body.path), { headers: { cookie: client.cookie! } }) };
  };
  const closeOf = async (path: string, cookie?: string) => {
    const rfb = await RfbClient.open(wsUrl(path), { headers: cookie ? { cookie } : {}, handshake: false });
    return rfb.closed;
  };
  const sessionsOf = async (id: string) =>
    (await api.db.query('SELECT * FROM remote_sessions WHERE kiosk_id = ? ORDER BY started_at', [id])) as Record<string, any>[];
  const until = (check: () => Promise<boolean>, timeoutMs = 15_000) => waitUntil(check, timeoutMs, 50);

  beforeAll(async () => {
    [vnc, closedPort] = await Promise.all([startVncKiosk(), freeTcpPort()]);
    api = await startTestApi({
      REMOTE_MAX_VIEWERS_PER_SITE: '4',
      REMOTE_IDLE_TIMEOUT_S: '4',
      REMOTE_CONNECT_TIMEOUT_MS: '1000',
      REMOTE_VNC_PORTS: `${vnc.port},${closedPort}`,
    });
    ids = await seedTwoHospitals(api.db);
    ops = await api.login('ops');
    staffA = await api.login('staff-a');
    expect((await ops.patch(`/api/sites/${ids.siteA}`, { subnets: ['127.0.0.0/8'] })).status).toBe(200);
    const base = { siteId: ids.siteA, kind: 'registration', location: 'Lobby', ip: '127.0.0.1', subnet: '127.0.0.0/8' };
    const k1 = await ops.post('/api/kiosks', { ...base, code: 'MZ-1F-01', name: 'Registration 1', mac: '00:1a:2b:3c:4d:01', vncPort: vnc.port });
    const k2 = await ops.post('/api/kiosks', { ...base, code: 'MZ-1F-02', name: 'Registration 2', mac: '00:1a:2b:3c:4d:02', vncPort: closedPort });
    expect(k1.status, k1.text).toBe(201);
    kioskId = k1.body.id;
    closedKioskId = k2.body.id;
  }, 120_000);

  afterAll(async () => {
    for (const a of agents) await a.stop();
    await vnc?.stop();
    await api?.close();
  });

  it('direct route: ops see the kiosk screen pixel for pixel; the session is audited with route, bytes, start and end', async () => {
    const { ticket, rfb } = await open(ops);
    expect(ticket).toMatchObject({ route: 'direct', viewOnly: true, canControl: true, compressionLevel: 6, qualityLevel: 4 });
    const viewer = await rfb;
    expect([viewer.width, viewer.height]).toEqual([vnc.width, vnc.height]);
    const { rgb } = await viewer.frame();
    expect(matchRatio(rgb, vnc.width, vnc.height, vnc.expected)).toBeGreaterThan(0.99);
    viewer.close();

    await until(async () => (await sessionsOf(kioskId)).some((s) => s.ended_at));
    const [session] = await sessionsOf(kioskId);
    expect(session).toMatchObject({ route: 'direct', username: 'ops', kiosk_code: 'MZ-1F-01', target: `127.0.0.1:${vnc.port}`, control_used: 0, end_reason: 'VIEWER_CLOSED' });
    expect(Number(session.bytes_to_viewer)).toBeGreaterThan(vnc.width * vnc.height * 4);
    expect(Number(session.bytes_from_viewer)).toBeGreaterThan(0);
    const audit = await ops.get(`/api/audit?entityType=remote_session&entityId=${session.id}`);
    expect(audit.body.items.map((e: any) => e.action).sort()).toEqual(['create', 'update']);
    expect(audit.body.items.every((e: any) => e.actorName === 'ops')).toBe(true);
    const end = audit.body.items.find((e: any) => e.action === 'update');
    expect(end.after).toMatchObject({ route: 'direct', mode: 'view', bytesToViewer: Number(session.bytes_to_viewer) });
  });

  it('staff and viewers of the hospital get view-only tickets; staff of another hospital get no ticket (404, audited)', async () => {
    expect((await staffA.post(`/api/kiosks/${kioskId}/screen-tickets`)).body).toMatchObject({ canControl: false, viewOnly: true });
    const viewer = await api.login('viewer');
    expect((await viewer.post(`/api/kiosks/${kioskId}/screen-tickets`)).body).toMatchObject({ canControl: false });
    const staffB = await api.login('staff-b');
    const refused = await staffB.post(`/api/kiosks/${kioskId}/screen-tickets`);
    expect(refused.status).toBe(404);
    expect(refused.body.error.code).toBe('KIOSK_NOT_FOUND');
    expect(refused.body.ticket).toBeUndefined();
    const denied = await api.db.query(`SELECT * FROM audit_entries WHERE action = 'access_denied' AND entity_id = ? AND actor_name = 'staff-b'`, [kioskId]);
    expect(denied.length).toBe(1);
  });

  it('a ticket works once, for its user and kiosk, within its TTL', async () => {
    const t = (await ops.post(`/api/kiosks/${kioskId}/screen-tickets`)).body;
    const ttl = await api.redis.pttl(`${api.config.redis.prefix}remote:ticket:${t.ticket}`);
    expect(ttl).toBeGreaterThan(25_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
    const first = await RfbClient.open(wsUrl(t.path), { headers: { cookie: ops.cookie! } });
    expect(first.width).toBe(vnc.width);
    first.close();
    expect(await closeOf(t.path, ops.cookie)).toEqual({ code: 4403, reason: 'REMOTE_TICKET_INVALID' });

    // Another user's session cannot use it, and trying burns it.
    const stolen = (await ops.post(`/api/kiosks/${kioskId}/screen-tickets`)).body;
    expect(await closeOf(stolen.path, staffA.cookie)).toEqual({ code: 4403, reason: 'REMOTE_TICKET_INVALID' });
    expect(await closeOf(stolen.path, ops.cookie)).toEqual({ code: 4403, reason: 'REMOTE_TICKET_INVALID' });
    // Bound to the kiosk.
    const other = (await ops.post(`/api/kiosks/${kioskId}/screen-tickets`)).body;
    expect(await closeOf(other.path.replace(kioskId, closedKioskId), ops.cookie)).toMatchObject({ code: 4403 });
    // No session cookie.
    const anon = (await ops.post(`/api/kiosks/${kioskId}/screen-tickets`)).body;
    expect(await closeOf(anon.path)).toEqual({ code: 4401, reason: 'UNAUTHENTICATED' });
    // Expired.
    const late = (await ops.post(`/api/kiosks/${kioskId}/screen-tickets`)).body;
    await api.redis.pexpire(`${api.config.redis.prefix}remote:ticket:${late.ticket}`, 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(await closeOf(late.path, ops.cookie)).toMatchObject({ code: 4403 });
  });

  it('a closed VNC port is reported as such', async () => {
    const t = (await ops.post(`/api/kiosks/${closedKioskId}/screen-tickets`)).body;
    expect(await closeOf(t.path, ops.cookie)).toEqual({ code: 4502, reason: 'VNC_PORT_CLOSED' });
  });

  it('control: ops may switch the session to control (audited); a view-only session stays view-only', async () => {
    const { rfb } = await open(ops);
    const viewer = await rfb;
    viewer.console({ type: 'control', on: true });
    viewer.pointer(10, 10);
    await viewer.frame();
    viewer.close();
    const staffSession = await (await open(staffA)).rfb;
    staffSession.console({ type: 'control', on: true });
    staffSession.pointer(10, 10);
    await staffSession.frame();
    staffSession.close();
    await until(async () => (await sessionsOf(kioskId)).every((s) => s.ended_at));
    const rows = await sessionsOf(kioskId);
    const opsRow = rows.filter((r) => r.username === 'ops').at(-1)!;
    const staffRow = rows.filter((r) => r.username === 'staff-a').at(-1)!;
    expect(opsRow).toMatchObject({ control_allowed: 1, control_used: 1 });
    expect(staffRow).toMatchObject({ control_allowed: 0, control_used: 0 });
    const modes = await api.db.query(`SELECT after FROM audit_entries WHERE entity_type = 'remote_session' AND entity_id = ? AND action = 'update'`, [opsRow.id]);
    expect(modes.map((m: any) => (typeof m.after === 'string' ? JSON.parse(m.after) : m.after).mode)).toEqual(['control', 'control']);
  });

  it('a session row never shows a change before its audit entry: while audit writes wait, the end stays unseen; then control, then end', async () => {
    const viewer = await (await open(ops)).rfb;
    const [row] = (await sessionsOf(kioskId)).filter((s) => !s.ended_at);
    // Audit inserts wait behind this table lock, as they would behind a slow disk.
    const locker = api.db.createQueryRunner();
    await locker.connect();
    try {
      await locker.query('LOCK TABLES audit_entries WRITE');
      viewer.console({ type: 'control', on: true });
      viewer.pointer(10, 10);
      await viewer.frame();
      viewer.close();
      await new Promise((r) => setTimeout(r, 500));
      const [waiting] = await api.db.query('SELECT control_used, ended_at FROM remote_sessions WHERE id = ?', [row.id]);
      expect(waiting).toMatchObject({ control_used: 0, ended_at: null });
    } finally {
      await locker.query('UNLOCK TABLES');
      await locker.release();
    }
    await until(async () => (await api.db.query('SELECT ended_at FROM remote_sessions WHERE id = ?', [row.id]))[0].ended_at !== null);
    const updates = await api.db.query(
      `SELECT after FROM audit_entries WHERE entity_type = 'remote_session' AND entity_id = ? AND action = 'update' ORDER BY id`,
      [row.id],
    );
    const after = updates.map((u: any) => (typeof u.after === 'string' ? JSON.parse(u.after) : u.after));
    expect(after.map((a: any) => ({ mode: a.mode, ended: Boolean(a.endedAt) }))).toEqual([
      { mode: 'control', ended: false },
      { mode: 'control', ended: true },
    ]);
  });

  it('idle sessions are closed', async () => {
    const viewer = await (await open(ops)).rfb;
    const started = Date.now();
    expect(await viewer.closed).toEqual({ code: 4408, reason: 'REMOTE_IDLE_TIMEOUT' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_500);
  });

  it('agent route: no agent, then a real agent process relays several viewers over its one channel; the viewer limit holds', async () => {
    expect((await ops.request('PUT', `/api/sites/${ids.siteA}/remote-route`, { route: 'agent' })).body).toMatchObject({ route: 'agent', relayAgents: [] });
    const none = await ops.post(`/api/kiosks/${kioskId}/screen-tickets`);
    expect(none.status).toBe(409);
    expect(none.body.error.code).toBe('REMOTE_NO_AGENT');

    const enrolled = await enrolAgent(ops, ids.siteA, 'pi-relay', ['127.0.0.0/8']);
    agents.push(await startAgentProcess({ apiUrl: api.url, token: enrolled.token, name: 'pi-relay', config: loopbackRelayAgentConfig([vnc.port, closedPort]) }));
    await until(async () => (await ops.get(`/api/sites/${ids.siteA}/remote-route`)).body.relayAgents.length === 1, 30_000);

    const viewers = await Promise.all([open(ops), open(staffA), open(ops)].map(async (o) => (await o).rfb));
    for (const viewer of viewers) {
      const { rgb } = await viewer.frame();
      expect(matchRatio(rgb, vnc.width, vnc.height, vnc.expected)).toBeGreaterThan(0.99);
    }
    // Limit 4: one more fits, the fifth is refused before a ticket.
    const fourth = await (await open(ops)).rfb;
    const fifth = await ops.post(`/api/kiosks/${kioskId}/screen-tickets`);
    expect(fifth.status).toBe(409);
    expect(fifth.body.error.code).toBe('REMOTE_VIEWER_LIMIT');
    for (const v of [...viewers, fourth]) v.close();

    const t = (await ops.post(`/api/kiosks/${closedKioskId}/screen-tickets`)).body;
    expect(await closeOf(t.path, ops.cookie)).toEqual({ code: 4502, reason: 'VNC_PORT_CLOSED' });

    await until(async () => (await sessionsOf(kioskId)).every((s) => s.ended_at));
    const viaAgent = (await sessionsOf(kioskId)).filter((s) => s.route === 'agent');
    expect(viaAgent.length).toBe(4);
    expect(viaAgent.every((s) => s.agent_id === enrolled.agentId && Number(s.bytes_to_viewer) > 0)).toBe(true);
    await ops.request('PUT', `/api/sites/${ids.siteA}/remote-route`, { route: 'direct' });
  }, 90_000);

  it('watchers cannot keep ops out: one screen of a site per watcher, and the last of the 4 slots stays for ops', async () => {
    const viewers = async () => (await ops.get(`/api/sites/${ids.siteA}/remote-route`)).body.viewers as number;
    await until(async () => (await viewers()) === 0);
    const admin = await api.login('admin');
    const watcher = async (username: string) => {
      const res = await admin.post('/api/users', { username, password: 'watcher-password-1', role: 'staff', hospitalIds: [ids.hospitalA] });
      expect(res.status, res.text).toBe(201);
      return api.login(username, 'watcher-password-1');
    };
    const first = await open(staffA);
    await first.rfb;
    // A second screen of the same site for the same watcher is refused at open.
    const again = (await staffA.post(`/api/kiosks/${kioskId}/screen-tickets`)).body;
    expect(await closeOf(again.path, staffA.cookie)).toEqual({ code: 4411, reason: 'REMOTE_SESSION_OPEN_ALREADY' });
    const others = [await open(await api.login('viewer')), await open(await watcher('watcher-b'))];
    await Promise.all(others.map((o) => o.rfb));
    expect(await viewers()).toBe(3);
    // Three watchers hold 3 of 4 slots: a fourth watcher is refused, ops still get the last one.
    const fourth = await (await watcher('watcher-c')).post(`/api/kiosks/${kioskId}/screen-tickets`);
    expect(fourth.status).toBe(409);
    expect(fourth.body.error).toMatchObject({ code: 'REMOTE_VIEWER_LIMIT', message: expect.stringContaining('kept for operations') });
    const opsScreen = await open(ops);
    const { rgb } = await (await opsScreen.rfb).frame();
    expect(matchRatio(rgb, vnc.width, vnc.height, vnc.expected)).toBeGreaterThan(0.99);
    for (const o of [first, ...others, opsScreen]) (await o.rfb).close();
    await until(async () => (await viewers()) === 0);
  });

  it('exports a websockify token file for ops; staff may not', async () => {
    const res = await ops.get(`/api/sites/${ids.siteA}/websockify-tokens`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const closedPort = (await ops.get(`/api/kiosks/${closedKioskId}`)).body.vncPort;
    expect(res.text).toBe(`MZ-1F-01: 127.0.0.1:${vnc.port}\nMZ-1F-02: 127.0.0.1:${closedPort}\n`);
    expect((await staffA.get(`/api/sites/${ids.siteA}/websockify-tokens`)).status).toBe(403);
  });
});
