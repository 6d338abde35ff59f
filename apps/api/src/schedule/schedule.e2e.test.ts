import { randomUUID } from 'node:crypto';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveEventsService } from '../live/live-events.service';
import { kioskBody, seedTwoHospitals } from '../../testing/fixtures';
import { Client, startTestApi, TestApi } from '../../testing/test-app';

describe('schedules, preview, fleet and live events', () => {
  let api: TestApi;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  let staffA: Client;
  let kiosk: string;
  let weekdays: string;

  beforeAll(async () => {
    api = await startTestApi();
    ids = await seedTwoHospitals(api.db);
    staffA = await api.login('staff-a');
    kiosk = (await (await api.login('ops')).post('/api/kiosks', kioskBody(ids.siteA, 3))).body.id;
    weekdays = (
      await staffA.post('/api/rules', {
        hospitalId: ids.hospitalA,
        name: 'Weekdays',
        scope: { kind: 'hospital' },
        layer: 'regular',
        days: [1, 2, 3, 4, 5],
        windows: [{ start: '07:00', end: '20:00' }],
      })
    ).body.id;
  });
  afterAll(() => api?.close());

  it('a kiosk schedule lists 7 local dates of its site (Asia/Shanghai) with winner, reason and intervals', async () => {
    // Monday 2026-11-23 00:00 in Shanghai is 2026-11-22T16:00Z.
    const res = await staffA.get(`/api/kiosks/${kiosk}/schedule?days=7&from=2026-11-22T16:30:00Z`);
    expect(res.status).toBe(200);
    expect(res.body.timeZone).toBe('Asia/Shanghai');
    expect(res.body.days.map((d: { date: string }) => d.date)).toEqual([
      '2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28', '2026-11-29',
    ]);
    const monday = res.body.days[0];
    expect(monday.winner).toMatchObject({ id: weekdays, name: 'Weekdays', layer: 'regular', scopeKind: 'hospital' });
    expect(monday.intervals).toEqual([
      { start: '2026-11-22T16:00:00.000Z', end: '2026-11-22T23:00:00.000Z', state: 'off' },
      { start: '2026-11-22T23:00:00.000Z', end: '2026-11-23T12:00:00.000Z', state: 'on' },
      { start: '2026-11-23T12:00:00.000Z', end: '2026-11-23T16:00:00.000Z', state: 'off' },
    ]);
    const saturday = res.body.days[5];
    expect(saturday.winner).toBeNull();
    expect(saturday.intervals).toEqual([{ start: '2026-11-27T16:00:00.000Z', end: '2026-11-28T16:00:00.000Z', state: 'unmanaged' }]);
    expect(saturday.candidates[0]).toMatchObject({ ruleId: weekdays, inForce: false });
    expect(saturday.candidates[0].reason).toMatch(/weekday 6 not in days/);
    // The same reasons as codes with their facts, for the console to word in the user's language.
    expect(saturday).toMatchObject({ reasonCode: 'unmanaged', reasonParams: {} });
    expect(saturday.candidates[0]).toMatchObject({ reasonCode: 'notInForce.weekday', reasonParams: { weekday: 6 } });
    expect(monday).toMatchObject({ reasonCode: 'wins', reasonParams: { scope: 'hospital', layer: 'regular' } });
  });

  it('preview shows what an edit would do, stores nothing, and names bad fields like saving does', async () => {
    const rulesBefore = JSON.stringify(await api.db.query('SELECT * FROM power_rules'));
    const preview = await staffA.post('/api/rules/preview', {
      ruleId: weekdays,
      rule: { days: [1, 2, 3, 4, 5, 6], windows: [{ start: '08:00', end: '18:00' }] },
      kioskIds: [kiosk],
      days: 7,
    });
    expect(preview.status).toBe(200);
    const [k] = preview.body.kiosks;
    expect(k.kioskId).toBe(kiosk);
    const days = k.schedule.days;
    expect(days.some((d: { winner: unknown }) => d.winner !== null)).toBe(true);
    expect(days.filter((d: { winner: unknown }) => d.winner === null)).toHaveLength(1); // only Sunday is unmanaged now
    const onDay = days.find((d: { winner: unknown }) => d.winner !== null);
    const on = onDay.intervals.find((i: { state: string }) => i.state === 'on');
    expect(new Date(on.end).getTime() - new Date(on.start).getTime()).toBe(10 * 3_600_000);
    expect(JSON.stringify(await api.db.query('SELECT * FROM power_rules'))).toBe(rulesBefore);

    const bad = await staffA.post('/api/rules/preview', { ruleId: weekdays, rule: { windows: [{ start: '18:00', end: '08:00' }] }, kioskIds: [kiosk] });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'RULE_WINDOW_INVALID', field: 'windows.0.end' });
  });

  it('staff of B cannot see A\'s schedule or preview A\'s rules', async () => {
    const staffB = await api.login('staff-b');
    expect((await staffB.get(`/api/kiosks/${kiosk}/schedule`)).status).toBe(404);
    expect((await staffB.post('/api/rules/preview', { ruleId: weekdays, rule: {}, kioskIds: [kiosk] })).status).toBe(404);
    expect((await staffB.get(`/api/fleet?siteId=${ids.siteA}`)).status).toBe(404);
  });

  it('fleet shows expected state from the schedule and observed state from the agents\' probes', async () => {
    const agentId = randomUUID();
    const now = new Date();
    await api.db.query(
      `INSERT INTO agents (id, site_id, name, location, subnets, created_at, updated_at) VALUES (?, ?, 'pi-9', '', '[]', ?, ?)`,
      [agentId, ids.siteA, now, now],
    );
    const second = (await (await api.login('ops')).post('/api/kiosks', kioskBody(ids.siteA, 4))).body.id;
    await api.db.query(
      `INSERT INTO kiosk_probes (kiosk_id, agent_id, up, method, latency_ms, observed_at, received_at) VALUES (?, ?, 1, 'tcp:5900', 3, ?, ?), (?, ?, 0, 'tcp:5900', NULL, ?, ?)`,
      [kiosk, agentId, now, now, second, agentId, now, now],
    );
    const res = await staffA.get(`/api/fleet?siteId=${ids.siteA}`);
    expect(res.status).toBe(200);
    expect(res.body.site).toMatchObject({ id: ids.siteA, timeZone: 'Asia/Shanghai' });
    const byId = new Map(res.body.kiosks.map((k: { id: string }) => [k.id, k]));
    expect(byId.get(kiosk)).toMatchObject({ observed: 'up', agents: [{ id: agentId, name: 'pi-9', up: true }] });
    expect(byId.get(second)).toMatchObject({ observed: 'down', lastSeenAt: null });
    for (const k of res.body.kiosks) expect(['on', 'off', 'unmanaged']).toContain(k.expected);
  });

  it('live events reach browsers of the event\'s hospital and of global roles only', async () => {
    const connect = (client: Client) =>
      new Promise<ReturnType<typeof io>>((resolve, reject) => {
        const socket = io(api.url, { path: '/socket.io', transports: ['websocket'], extraHeaders: { cookie: client.cookie! } });
        socket.once('ready', () => resolve(socket));
        socket.once('connect_error', reject);
      });
    const [a, b, ops] = await Promise.all([connect(staffA), connect(await api.login('staff-b')), connect(await api.login('ops'))]);
    const received: Record<string, unknown[]> = { a: [], b: [], ops: [] };
    a.on('kiosk.liveness', (e) => received.a.push(e));
    b.on('kiosk.liveness', (e) => received.b.push(e));
    const opsGot = new Promise((resolve) => ops.on('kiosk.liveness', resolve));
    const aGot = new Promise((resolve) => a.on('kiosk.liveness', resolve));
    await api.app.get(LiveEventsService).publish('kiosk.liveness', ids.hospitalA, { kioskId: kiosk, observed: 'down' });
    await Promise.all([aGot, opsGot]);
    await new Promise((r) => setTimeout(r, 100));
    expect(received.a).toEqual([{ kioskId: kiosk, observed: 'down', hospitalId: ids.hospitalA }]);
    expect(received.b).toEqual([]);

    const anonymous = io(api.url, { path: '/socket.io', transports: ['websocket'] });
    const refused = await new Promise((resolve) => anonymous.once('session.invalid', resolve));
    expect(refused).toMatchObject({ code: 'UNAUTHENTICATED' });
    for (const s of [a, b, ops, anonymous]) s.close();
  });
});
