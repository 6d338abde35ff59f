import { DateTime } from 'luxon';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { enrolAgent } from '../../testing/agent-kit';
import { DispatcherService } from '../dispatch/dispatcher.service';
import { VerificationService } from '../dispatch/verification.service';
import { kioskBody, seedTwoHospitals } from '../../testing/fixtures';
import { Client, startTestApi, TestApi } from '../../testing/test-app';
import { AgentHealthService } from './agent-health.service';
import { AlertsService } from './alerts.service';

/**
 * Alerts people can act on, against real MySQL and Redis, with agents speaking the
 * real protocol: one alert per cause listing its kiosks, bulk acknowledgement,
 * agent offline, one no_agent alert per site. The dispatch clock is passed in.
 */
describe('alerts', () => {
  let api: TestApi;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  let ops: Client;
  let kiosks: string[];
  let agents: Awaited<ReturnType<typeof enrolAgent>>[];
  let dispatcher: DispatcherService;
  let verification: VerificationService;
  let health: AgentHealthService;
  // Next week's Monday, 07:00 in Shanghai.
  const at = DateTime.now().setZone('Asia/Shanghai').startOf('week').plus({ weeks: 1, hours: 7 }).toJSDate();
  const minutes = (m: number, from = at) => new Date(from.getTime() + m * 60_000);
  const shutdownAt = minutes(13 * 60);

  beforeAll(async () => {
    api = await startTestApi({ AGENT_OFFLINE_ALERT_AFTER_S: '120' });
    ids = await seedTwoHospitals(api.db);
    ops = await api.login('ops');
    kiosks = [];
    for (let n = 1; n <= 12; n++)
      kiosks.push((await ops.post('/api/kiosks', kioskBody(ids.siteA, n, { shutdownMethod: 'http-post' }))).body.id);
    await ops.post('/api/rules', {
      hospitalId: ids.hospitalA,
      name: 'Weekdays',
      scope: { kind: 'hospital' },
      layer: 'regular',
      days: [1, 2, 3, 4, 5],
      windows: [{ start: '07:00', end: '20:00' }],
    });
    agents = [await enrolAgent(ops, ids.siteA, 'pi-1'), await enrolAgent(ops, ids.siteA, 'pi-2')];
    dispatcher = api.app.get(DispatcherService);
    verification = api.app.get(VerificationService);
    health = api.app.get(AgentHealthService);
  });
  afterAll(() => api?.close());

  const agentsAliveAt = (when: Date) =>
    api.db.query('UPDATE agents SET last_heartbeat_at = ? WHERE site_id = ?', [
      new Date(when.getTime() - 5000),
      ids.siteA,
    ]);
  const heartbeat = (i: number) =>
    agents[i].client.post('/heartbeat', { version: '1.2.0', uptimeS: 10, time: new Date().toISOString(), buffered: 0 });
  const probe = (list: string[], up: boolean, when: Date) =>
    agents[0].client.post('/probes', {
      observedAt: when.toISOString(),
      results: list.map((kioskId) => ({ kioskId, up, method: 'tcp:5900', latencyMs: up ? 3 : null })),
    });
  const transition = (action: 'wake' | 'shutdown', when: Date) => ({
    kind: 'transition' as const,
    siteId: ids.siteA,
    at: when.toISOString(),
    action,
    kioskIds: kiosks,
  });
  const lastRound = (action: 'wake' | 'shutdown', when: Date) => ({
    kind: 'verify' as const,
    siteId: ids.siteA,
    at: when.toISOString(),
    action,
    round: 2,
  });
  const openAlerts = async (query = '') => (await ops.get(`/api/alerts?status=open${query}`)).body.items as any[];

  beforeEach(async () => {
    for (const table of ['dispatches', 'command_results', 'agent_commands', 'alerts', 'kiosk_probes'])
      await api.db.query(`DELETE FROM ${table}`);
    await api.db.query('UPDATE agents SET token_revoked_at = NULL');
    await agentsAliveAt(minutes(-1));
  });

  it('a wake that 12 kiosks missed is one alert listing them by code and name; seen up later, they leave it; acknowledged at once', async () => {
    expect((await dispatcher.runTransition(transition('wake', at), minutes(-1))).sent).toBe(12);
    await probe(kiosks, false, minutes(14));
    await agentsAliveAt(minutes(15));
    expect(await verification.verify(lastRound('wake', at), minutes(15))).toEqual({ ok: 0, wrong: 12 });

    const [alert, ...others] = await openAlerts();
    expect(others).toEqual([]);
    expect(alert).toMatchObject({ kind: 'kiosk_state', siteId: ids.siteA, kioskId: null });
    expect(alert.details).toMatchObject({
      siteName: 'A main',
      timeZone: 'Asia/Shanghai',
      at: at.toISOString(),
      action: 'wake',
      expected: 'up',
      kioskCount: 12,
    });
    expect(alert.details.kiosks.map((k: { code: string; name: string }) => `${k.code} ${k.name}`)).toEqual(
      Array.from({ length: 12 }, (_, i) => `MZ-1F-${String(i + 1).padStart(2, '0')} Registration ${i + 1}`),
    );
    expect(alert.details.kiosks.every((k: { observed: string }) => k.observed === 'down')).toBe(true);
    // The plain English summary names the site's wall clock and zone, and the codes: no UUID.
    expect(alert.message).toContain(
      `12 kiosk(s) at A main not up after the wake due ${DateTime.fromJSDate(at).setZone('Asia/Shanghai').toFormat('yyyy-MM-dd')} 07:00 Asia/Shanghai (UTC+08:00)`,
    );
    expect(alert.message).toContain('MZ-1F-01, MZ-1F-02');
    for (const k of kiosks) expect(alert.message).not.toContain(k);

    // Two kiosks come up: they leave the list; a kiosk seen down changes nothing.
    await probe(kiosks.slice(0, 2), true, minutes(16));
    await probe(kiosks.slice(2, 3), false, minutes(16));
    const [shrunk] = await openAlerts();
    expect(shrunk.id).toBe(alert.id);
    expect(shrunk.details.kioskCount).toBe(10);
    expect(shrunk.details.kiosks.map((k: { id: string }) => k.id).sort()).toEqual(kiosks.slice(2).sort());
    expect(shrunk.details.cleared.map((k: { code: string }) => k.code)).toEqual(['MZ-1F-01', 'MZ-1F-02']);

    // One acknowledgement acknowledges the whole alert, once, audited once.
    expect((await (await api.login('staff-a')).post(`/api/alerts/${alert.id}/acknowledge`)).status).toBe(403);
    const ack = await ops.post(`/api/alerts/${alert.id}/acknowledge`);
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'ops' });
    expect(await openAlerts()).toEqual([]);
    expect((await ops.get(`/api/audit?entityType=alert&entityId=${alert.id}`)).body.total).toBe(1);

    // Every kiosk up: the list is empty and the alert resolves.
    await probe(kiosks.slice(2), true, minutes(17));
    const resolved = (await ops.get('/api/alerts?status=resolved')).body.items;
    expect(resolved).toHaveLength(1);
    expect(resolved[0]).toMatchObject({ id: alert.id, details: { kioskCount: 0, kiosks: [] } });
  });

  it('a later round of the same occurrence joins its alert instead of opening another', async () => {
    await dispatcher.runTransition(transition('wake', at), minutes(-1));
    await probe(kiosks, true, minutes(14));
    await probe(kiosks.slice(0, 3), false, minutes(14.5));
    await agentsAliveAt(minutes(15));
    expect(await verification.verify(lastRound('wake', at), minutes(15))).toEqual({ ok: 9, wrong: 3 });
    // The same occurrence verified again (a repeated job) with more kiosks wrong: still one alert.
    await api.db.query(`UPDATE dispatches SET status = 'sent' WHERE kiosk_id IN (?)`, [kiosks.slice(3, 5)]);
    await probe(kiosks.slice(3, 5), false, minutes(15.5));
    await verification.verify(lastRound('wake', at), minutes(16));
    const list = await openAlerts();
    expect(list).toHaveLength(1);
    expect(list[0].details.kiosks.map((k: { code: string }) => k.code)).toEqual([
      'MZ-1F-01',
      'MZ-1F-02',
      'MZ-1F-03',
      'MZ-1F-04',
      'MZ-1F-05',
    ]);
  });

  it('a kiosk that is correctly off is not an alarm', async () => {
    await agentsAliveAt(minutes(-1, shutdownAt));
    expect((await dispatcher.runTransition(transition('shutdown', shutdownAt), minutes(-1, shutdownAt))).sent).toBe(12);
    await probe(kiosks, false, minutes(14, shutdownAt));
    await agentsAliveAt(minutes(15, shutdownAt));
    expect(await verification.verify(lastRound('shutdown', shutdownAt), minutes(15, shutdownAt))).toEqual({
      ok: 12,
      wrong: 0,
    });
    // The night goes on: the probes keep seeing them down, as the schedule wants.
    await probe(kiosks, false, minutes(60, shutdownAt));
    await health.check();
    expect(await openAlerts()).toEqual([]);
    expect(Number((await api.db.query('SELECT COUNT(*) AS n FROM alerts'))[0].n)).toBe(0);
  });

  it('acknowledges in bulk: each checked and audited; an unknown id acknowledges nothing; staff may not', async () => {
    const alerts = api.app.get(AlertsService);
    const raise = (key: string, hospitalId: string, siteId: string) =>
      alerts.raise({ kind: 'no_agent', openKey: key, hospitalId, siteId, message: key, details: {} });
    const a1 = await raise('bulk-1', ids.hospitalA, ids.siteA);
    const a2 = await raise('bulk-2', ids.hospitalA, ids.siteA);
    const b1 = await raise('bulk-3', ids.hospitalB, ids.siteB);

    expect((await (await api.login('staff-a')).post('/api/alerts/acknowledge', { ids: [a1.id] })).status).toBe(403);
    const unknown = await ops.post('/api/alerts/acknowledge', { ids: [a1.id, '999999999'] });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('ALERT_NOT_FOUND');
    expect((await openAlerts()).map((a) => a.id).sort()).toEqual([a1.id, a2.id, b1.id].sort());
    for (const [body, field] of [
      [{ ids: [] }, 'ids'],
      [{ ids: ['abc'] }, 'ids.0'],
      [{ ids: Array.from({ length: 201 }, (_, i) => String(i + 1)) }, 'ids'],
      [{ ids: [a1.id], extra: 1 }, ''],
    ] as const) {
      const res = await ops.post('/api/alerts/acknowledge', body);
      expect(res.status, JSON.stringify(body).slice(0, 60)).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      if (field) expect(res.body.error.field).toBe(field);
    }

    const done = await ops.post('/api/alerts/acknowledge', { ids: [a1.id, a2.id, b1.id] });
    expect(done.status).toBe(200);
    expect(done.body.acknowledged.map((a: { id: string }) => a.id).sort()).toEqual([a1.id, a2.id, b1.id].sort());
    expect(done.body.skipped).toEqual([]);
    for (const a of [a1, a2, b1])
      expect((await ops.get(`/api/audit?entityType=alert&entityId=${a.id}`)).body.total).toBe(1);
    const again = await ops.post('/api/alerts/acknowledge', { ids: [a1.id] });
    expect(again.body).toEqual({ acknowledged: [], skipped: [{ id: a1.id, status: 'acknowledged' }] });
  });

  it('filters by site, kind and state', async () => {
    const alerts = api.app.get(AlertsService);
    await alerts.raise({
      kind: 'no_agent',
      openKey: 'f-1',
      hospitalId: ids.hospitalA,
      siteId: ids.siteA,
      message: 'a',
      details: {},
    });
    await alerts.raise({
      kind: 'smoke',
      openKey: 'f-2',
      hospitalId: ids.hospitalA,
      siteId: ids.siteA,
      message: 'b',
      details: {},
    });
    await alerts.raise({
      kind: 'smoke',
      openKey: 'f-3',
      hospitalId: ids.hospitalB,
      siteId: ids.siteB,
      message: 'c',
      details: {},
    });
    await alerts.resolve('f-2');
    const messages = async (query: string) =>
      ((await ops.get(`/api/alerts?${query}`)).body.items as { message: string }[]).map((a) => a.message).sort();
    expect(await messages('kind=smoke')).toEqual(['b', 'c']);
    expect(await messages(`kind=smoke&siteId=${ids.siteA}`)).toEqual(['b']);
    expect(await messages('kind=smoke&status=open')).toEqual(['c']);
    expect(await messages(`siteId=${ids.siteA}&status=open`)).toEqual(['a']);
    // Staff of hospital A see their own hospital's only.
    const staff = await api.login('staff-a');
    expect(
      ((await staff.get('/api/alerts?kind=smoke')).body.items as { message: string }[]).map((a) => a.message),
    ).toEqual(['b']);
    const bad = await ops.get('/api/alerts?kind=fire');
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('kind');
  });

  it('an agent without a heartbeat for AGENT_OFFLINE_ALERT_AFTER_S is an alert, resolved by its next heartbeat; revoked agents never alert', async () => {
    const now = new Date();
    await api.db.query('UPDATE agents SET last_heartbeat_at = ? WHERE id = ?', [
      new Date(now.getTime() - 130_000),
      agents[0].agentId,
    ]);
    await api.db.query('UPDATE agents SET last_heartbeat_at = ? WHERE id = ?', [
      new Date(now.getTime() - 100_000),
      agents[1].agentId,
    ]);
    expect(await health.check(now)).toEqual({ opened: 1, resolved: 0 });
    expect(await health.check(new Date(now.getTime() + 1000))).toEqual({ opened: 0, resolved: 0 });
    const [offline, ...others] = await openAlerts('&kind=agent_offline');
    expect(others).toEqual([]);
    expect(offline).toMatchObject({
      kind: 'agent_offline',
      agentId: agents[0].agentId,
      siteId: ids.siteA,
      details: { agentName: 'pi-1', siteName: 'A main', timeZone: 'Asia/Shanghai' },
    });
    expect(offline.message).toMatch(
      /^Agent pi-1 at A main: no heartbeat since \d{4}-\d\d-\d\d \d\d:\d\d Asia\/Shanghai \(UTC\+08:00\)$/,
    );

    // Its next heartbeat resolves it at once, without waiting for the next check.
    expect((await heartbeat(0)).status).toBe(200);
    expect(await openAlerts('&kind=agent_offline')).toEqual([]);
    expect((await ops.get('/api/alerts?status=resolved&kind=agent_offline')).body.items[0]).toMatchObject({
      id: offline.id,
    });

    // A revoked agent is silent for good, by decision: no alert, and its open one resolves.
    await api.db.query('UPDATE agents SET last_heartbeat_at = ? WHERE id = ?', [
      new Date(now.getTime() - 600_000),
      agents[1].agentId,
    ]);
    expect((await health.check(now)).opened).toBe(1);
    expect((await ops.post(`/api/agents/${agents[1].agentId}/revoke`)).status).toBe(200);
    expect(await health.check(now)).toEqual({ opened: 0, resolved: 1 });
    expect(await openAlerts('&kind=agent_offline')).toEqual([]);
  });

  it('a site without an online agent before its transitions is one alert with its kiosks and local time, resolved when an agent returns', async () => {
    await api.db.query('UPDATE agents SET last_heartbeat_at = ? WHERE site_id = ?', [
      new Date(Date.now() - 10 * 60_000),
      ids.siteA,
    ]);
    expect(await dispatcher.runTransition(transition('wake', at), minutes(-1))).toMatchObject({ sent: 0, noAgent: 12 });
    expect(await dispatcher.runTransition(transition('shutdown', shutdownAt), minutes(-1, shutdownAt))).toMatchObject({
      sent: 0,
      noAgent: 12,
    });
    const [alert, ...others] = await openAlerts('&kind=no_agent');
    expect(others).toEqual([]);
    expect(alert.details).toMatchObject({ siteName: 'A main', at: at.toISOString(), action: 'wake', kioskCount: 12 });
    expect(alert.details.kiosks[0]).toMatchObject({ code: 'MZ-1F-01', name: 'Registration 1' });
    expect(alert.message).toContain('No online agent at A main: 12 kiosk(s) could not be sent the wake due');
    expect(alert.message).toContain('07:00 Asia/Shanghai (UTC+08:00)');

    // Nothing changes while the agents stay away.
    await health.check();
    expect(await openAlerts('&kind=no_agent')).toHaveLength(1);
    await heartbeat(1);
    await health.check();
    expect(await openAlerts('&kind=no_agent')).toEqual([]);
  });
});
