import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { enrolAgent } from '../../testing/agent-kit';
import { DispatchQueue } from './dispatch-queue';
import { DispatcherService } from './dispatcher.service';
import { PlannerService } from './planner.service';
import { VerificationService } from './verification.service';
import { kioskBody, seedTwoHospitals } from '../../testing/fixtures';
import { Client, startTestApi, TestApi } from '../../testing/test-app';

/**
 * Dispatch against real MySQL, Redis and BullMQ, with agents speaking the real
 * protocol over HTTP. The clock is passed in (`now`) so that late, missed and
 * verification cases run in seconds instead of minutes.
 */
describe('dispatch', () => {
  let api: TestApi;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  let ops: Client;
  let planner: PlannerService;
  let dispatcher: DispatcherService;
  let verification: VerificationService;
  let queue: DispatchQueue;
  let kiosks: string[];
  let agents: Awaited<ReturnType<typeof enrolAgent>>[];
  // Next week's Monday, 07:00 in Shanghai (commands must expire in the real future).
  const at = DateTime.now().setZone('Asia/Shanghai').startOf('week').plus({ weeks: 1, hours: 7 }).toJSDate();
  const minutes = (m: number) => new Date(at.getTime() + m * 60_000);
  const iso = (m: number) => minutes(m).toISOString();
  const atDate = DateTime.fromJSDate(at).setZone('Asia/Shanghai').toISODate()!;

  beforeAll(async () => {
    // ROLE=api: no worker consumes the queue, so each step below runs exactly when the test says.
    api = await startTestApi({ CATCH_UP_S: '600' });
    ids = await seedTwoHospitals(api.db);
    ops = await api.login('ops');
    kiosks = [];
    for (let n = 1; n <= 3; n++) kiosks.push((await ops.post('/api/kiosks', kioskBody(ids.siteA, n, { shutdownMethod: 'http-post' }))).body.id);
    await ops.post('/api/rules', {
      hospitalId: ids.hospitalA,
      name: 'Weekdays',
      scope: { kind: 'hospital' },
      layer: 'regular',
      days: [1, 2, 3, 4, 5],
      windows: [{ start: '07:00', end: '20:00' }],
    });
    agents = [await enrolAgent(ops, ids.siteA, 'pi-1'), await enrolAgent(ops, ids.siteA, 'pi-2')];
    planner = api.app.get(PlannerService);
    dispatcher = api.app.get(DispatcherService);
    verification = api.app.get(VerificationService);
    queue = api.app.get(DispatchQueue);
  });
  afterAll(() => api?.close());

  const heartbeatAll = () => Promise.all(agents.map((a) => a.client.post('/heartbeat', { version: '1.2.0', uptimeS: 10, time: new Date().toISOString(), buffered: 0 })));
  /** The test's clock is days ahead of the wall clock: the agents' last heartbeat moves with it. */
  const agentsAliveAt = (when: Date) => api.db.query('UPDATE agents SET last_heartbeat_at = ? WHERE site_id = ?', [new Date(when.getTime() - 5000), ids.siteA]);
  const pending = async (i: number) => (await agents[i].client.get('/commands?wait=0')).body.commands as { id: string; type: string; dueAt: string; targets: { kioskId: string }[]; cancels?: string }[];
  const rows = (action = 'wake') =>
    api.db.query(`SELECT kiosk_id, status, commands, verifications FROM dispatches WHERE planned_at = ? AND action = ? ORDER BY kiosk_id`, [at, action]);
  const clearCommands = async () => {
    for (const a of agents) for (const c of await pendingOf(a)) await a.client.post(`/commands/${c.id}/result`, { status: 'done', startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(), targets: [] });
  };
  const pendingOf = async (a: (typeof agents)[number]) => (await a.client.get('/commands?wait=0')).body.commands as { id: string }[];

  beforeEach(async () => {
    await clearCommands();
    await api.db.query('DELETE FROM dispatches');
    await api.db.query('DELETE FROM command_results');
    await api.db.query('DELETE FROM agent_commands');
    await api.db.query('DELETE FROM alerts');
    await heartbeatAll();
    await agentsAliveAt(minutes(-1));
  });

  it('plans one delayed job per (site, instant, action) for the next 26 h; planning twice adds nothing', async () => {
    const now = minutes(-90);
    const first = await planner.planSite(ids.siteA, now);
    const counts = await queue.countJobs('delayed', 'waiting');
    const second = await planner.planSite(ids.siteA, now);
    expect(second.jobs).toBe(first.jobs);
    expect(await queue.countJobs('delayed', 'waiting')).toEqual(counts);
    // 26 h from Monday 05:30: Monday 07:00 wake and 20:00 shutdown, Tuesday 07:00 wake.
    const jobs = (await queue.jobsIn('delayed', 'waiting')).filter((j) => j.data.kind === 'transition');
    const planned = jobs.map((j) => [(j.data as { at: string }).at, (j.data as { action: string }).action]).sort();
    expect(planned).toEqual([
      [iso(0), 'wake'],
      [iso(13 * 60), 'shutdown'],
      [iso(24 * 60), 'wake'],
    ]);
    const wake = jobs.find((j) => (j.data as { at: string }).at === at.toISOString())!;
    expect((wake.data as { kioskIds: string[] }).kioskIds.sort()).toEqual([...kiosks].sort());
    // Delivered a minute (DISPATCH_LEAD_S) before its instant.
    expect(wake.opts.delay).toBe(at.getTime() - 60_000 - now.getTime());
  });

  it('a rule change re-plans: jobs that no longer apply are removed', async () => {
    const now = minutes(-120);
    await planner.planSite(ids.siteA, now);
    const override = await ops.post('/api/rules', {
      hospitalId: ids.hospitalA,
      name: 'Closed Monday',
      scope: { kind: 'site', siteId: ids.siteA },
      layer: 'override',
      from: atDate,
      until: atDate,
      windows: [],
    });
    await planner.planSite(ids.siteA, now);
    const jobs = (await queue.jobsIn('delayed', 'waiting')).filter((j) => j.data.kind === 'transition');
    expect(jobs.map((j) => (j.data as { at: string }).at)).not.toContain(at.toISOString());
    await ops.delete(`/api/rules/${override.body.id}`);
  });

  it('sends one command per online agent with dueAt at the instant; running the job twice sends nothing more', async () => {
    const job = { kind: 'transition' as const, siteId: ids.siteA, at: at.toISOString(), action: 'wake' as const, kioskIds: kiosks };
    const first = await dispatcher.runTransition(job, minutes(-1));
    expect(first).toMatchObject({ sent: 3, noAgent: 0 });
    const again = await dispatcher.runTransition(job, minutes(-0.5));
    expect(again.sent).toBe(0);
    for (const i of [0, 1]) {
      const commands = await pending(i);
      expect(commands).toHaveLength(1);
      expect(commands[0]).toMatchObject({ type: 'wake', dueAt: at.toISOString() });
      expect(commands[0].targets.map((t) => t.kioskId).sort()).toEqual([...kiosks].sort());
    }
    const stored = await rows();
    expect(stored).toHaveLength(3);
    expect(stored.every((r: { status: string; commands: unknown[] }) => r.status === 'sent' && r.commands.length === 2)).toBe(true);
  });

  it('a run interrupted between its commit and the delivery is mended by delivering the same commands, not new ones', async () => {
    const job = { kind: 'transition' as const, siteId: ids.siteA, at: at.toISOString(), action: 'wake' as const, kioskIds: kiosks };
    await dispatcher.runTransition(job, minutes(-1));
    const issued = (await pending(0)).map((c) => c.id);
    // The crash: MySQL has the commands, Redis never got them.
    for (const a of agents) await api.redis.del(`${api.config.redis.prefix}agent-commands:${a.agentId}`);
    expect(await pending(0)).toEqual([]);
    // BullMQ runs the stalled job again.
    const again = await dispatcher.runTransition(job, minutes(-0.5));
    expect(again.sent).toBe(0);
    expect((await pending(0)).map((c) => c.id)).toEqual(issued);
    expect(Number((await api.db.query('SELECT COUNT(*) AS n FROM agent_commands WHERE type = "wake"'))[0].n)).toBe(2);
  });

  it('verification: a kiosk seen up is verified; one still down is woken again, then alerted at the last check', async () => {
    await dispatcher.runTransition({ kind: 'transition', siteId: ids.siteA, at: at.toISOString(), action: 'wake', kioskIds: kiosks }, minutes(-1));
    await clearCommands();
    const probe = (kioskId: string, up: boolean, when: Date) =>
      agents[0].client.post('/probes', { observedAt: when.toISOString(), results: [{ kioskId, up, method: 'tcp:5900', latencyMs: up ? 3 : null }] });
    await probe(kiosks[0], true, minutes(4));
    await probe(kiosks[1], false, minutes(4));
    await probe(kiosks[2], false, minutes(4));

    const job = (round: number) => ({ kind: 'verify' as const, siteId: ids.siteA, at: at.toISOString(), action: 'wake' as const, round });
    await agentsAliveAt(minutes(5));
    expect(await verification.verify(job(0), minutes(5))).toEqual({ ok: 1, wrong: 2 });
    // Woken again: a fresh command for the two that are still down, due at once.
    const rewake = await pending(0);
    expect(rewake).toHaveLength(1);
    expect(rewake[0].targets.map((t) => t.kioskId).sort()).toEqual([kiosks[1], kiosks[2]].sort());
    expect(rewake[0].dueAt).toBe(minutes(5).toISOString());

    await probe(kiosks[1], true, minutes(7));
    await agentsAliveAt(minutes(10));
    expect(await verification.verify(job(1), minutes(10))).toEqual({ ok: 1, wrong: 1 });
    expect(await verification.verify(job(2), minutes(15))).toEqual({ ok: 0, wrong: 1 });

    const stored = new Map((await rows()).map((r: { kiosk_id: string }) => [r.kiosk_id, r]));
    expect((stored.get(kiosks[0]) as { status: string }).status).toBe('verified');
    expect((stored.get(kiosks[1]) as { status: string }).status).toBe('verified');
    const failed = stored.get(kiosks[2]) as { status: string; verifications: { afterS: number; action: string }[] };
    expect(failed.status).toBe('failed');
    expect(failed.verifications.map((v) => [v.afterS, v.action])).toEqual([
      [300, 'woken-again'],
      [600, 'woken-again'],
      [900, 'alerted'],
    ]);
    const alerts = await ops.get(`/api/alerts?status=open`);
    expect(alerts.body.items).toHaveLength(1);
    // One alert for the occurrence, naming the kiosk by code and name.
    expect(alerts.body.items[0]).toMatchObject({ kind: 'kiosk_state', details: { kioskCount: 1, kiosks: [{ id: kiosks[2], code: 'MZ-1F-03', name: 'Registration 3' }] } });
    // The record is queryable per kiosk.
    const history = await ops.get(`/api/kiosks/${kiosks[2]}/dispatches`);
    expect(history.body.items[0]).toMatchObject({ action: 'wake', status: 'failed', plannedAt: at.toISOString() });
    // What became of it, as a code with its facts for the console to word in the user's language.
    expect(history.body.items[0]).toMatchObject({ outcomeCode: 'notAsExpected', outcomeParams: { state: 'up', afterS: 900, action: 'wake' } });
    expect((await ops.get(`/api/kiosks/${kiosks[0]}/dispatches`)).body.items[0]).toMatchObject({
      outcomeCode: 'verified',
      outcomeParams: { state: 'up', afterS: expect.any(Number) },
    });
  });

  it('a late run within the catch-up window still runs once; past it, it is recorded as missed and alerted', async () => {
    const job = { kind: 'transition' as const, siteId: ids.siteA, at: at.toISOString(), action: 'wake' as const, kioskIds: kiosks };
    await agentsAliveAt(minutes(3));
    expect((await dispatcher.runTransition(job, minutes(3))).sent).toBe(3);
    expect((await pending(0))[0].dueAt).toBe(at.toISOString());
    await clearCommands();
    await api.db.query('DELETE FROM dispatches');
    const missed = await dispatcher.runTransition(job, minutes(11));
    expect(missed).toMatchObject({ sent: 0, missed: 3 });
    expect(await pending(0)).toEqual([]);
    expect((await rows()).every((r: { status: string }) => r.status === 'missed')).toBe(true);
    expect((await ops.get(`/api/kiosks/${kiosks[0]}/dispatches`)).body.items[0]).toMatchObject({
      status: 'missed',
      outcomeCode: 'missed',
      outcomeParams: { lateS: 660 },
    });
    expect((await ops.get('/api/alerts?status=open')).body.items[0]).toMatchObject({ kind: 'dispatch_missed' });
  });

  it('never runs a stale shutdown on a kiosk that should now be on', async () => {
    const shutdownAt = minutes(13 * 60); // Monday 20:00
    const kioskRule = await ops.post('/api/rules', {
      hospitalId: ids.hospitalA,
      name: 'Evening clinic from 20:03',
      scope: { kind: 'kiosks', kioskIds: [kiosks[0]] },
      layer: 'regular',
      windows: [{ start: '07:00', end: '20:00' }, { start: '20:03', end: '23:00' }],
    });
    const job = { kind: 'transition' as const, siteId: ids.siteA, at: shutdownAt.toISOString(), action: 'shutdown' as const, kioskIds: kiosks };
    // The worker comes back at 20:05, within the catch-up window: kiosk 0 must be on again, the others still off.
    const back = new Date(shutdownAt.getTime() + 5 * 60_000);
    await agentsAliveAt(back);
    const result = await dispatcher.runTransition(job, back);
    expect(result).toMatchObject({ sent: 2, skipped: 1 });
    const stored = await api.db.query(`SELECT kiosk_id, status FROM dispatches WHERE action = 'shutdown'`);
    expect(stored.find((r: { kiosk_id: string }) => r.kiosk_id === kiosks[0]).status).toBe('skipped');
    await ops.delete(`/api/rules/${kioskRule.body.id}`);
  });

  it('no online agent: recorded and alerted at once', async () => {
    await api.db.query('UPDATE agents SET last_heartbeat_at = ? WHERE site_id = ?', [new Date(Date.now() - 10 * 60_000), ids.siteA]);
    const result = await dispatcher.runTransition({ kind: 'transition', siteId: ids.siteA, at: at.toISOString(), action: 'wake', kioskIds: kiosks }, minutes(-1));
    expect(result).toMatchObject({ sent: 0, noAgent: 3 });
    expect((await rows()).every((r: { status: string }) => r.status === 'no_agent')).toBe(true);
    const [alert] = (await ops.get('/api/alerts?status=open')).body.items;
    expect(alert).toMatchObject({ kind: 'no_agent', siteId: ids.siteA });
    // Alerting again for the same condition does not open a second alert.
    await api.db.query('DELETE FROM dispatches');
    await dispatcher.runTransition({ kind: 'transition', siteId: ids.siteA, at: at.toISOString(), action: 'wake', kioskIds: kiosks }, minutes(-1));
    expect((await ops.get('/api/alerts?status=open')).body.total).toBe(1);
    // Ops acknowledges it; the acknowledgement is audited.
    const ack = await ops.post(`/api/alerts/${alert.id}/acknowledge`);
    expect(ack.body.status).toBe('acknowledged');
    expect((await ops.get(`/api/audit?entityType=alert&entityId=${alert.id}`)).body.total).toBe(1);
    expect((await (await api.login('staff-a')).post(`/api/alerts/${alert.id}/acknowledge`)).status).toBe(403);
  });

  it('a schedule change after delivery cancels the delivered commands', async () => {
    const now = minutes(-1);
    await dispatcher.runTransition({ kind: 'transition', siteId: ids.siteA, at: at.toISOString(), action: 'wake', kioskIds: kiosks }, now);
    const delivered = (await pending(0))[0];
    await ops.post('/api/rules', { hospitalId: ids.hospitalA, name: 'Closed today', scope: { kind: 'hospital' }, layer: 'override', from: atDate, until: atDate, windows: [] });
    const result = await planner.planSite(ids.siteA, now);
    expect(result.cancelled).toBe(2);
    const after = await pending(0);
    expect(after).toEqual([expect.objectContaining({ type: 'cancel', cancels: delivered.id })]);
    expect((await rows()).map((r: { status: string }) => r.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
  });

  it('the agents\' plan lists the coming transitions of their site', async () => {
    const plan = await agents[0].client.get('/plan?hours=48');
    expect(plan.status).toBe(200);
    for (const item of plan.body.items) {
      expect(['wake', 'shutdown']).toContain(item.type);
      expect(new Date(item.at).getTime()).toBeGreaterThan(Date.now());
    }
    expect(plan.headers.get('etag')).toBeTruthy();
  });

  it('a second site due at the same instant gets DISPATCH_LEAD_PER_SITE_MS more lead', async () => {
    const annex = randomUUID();
    await api.db.query(`INSERT INTO sites (id, hospital_id, name, time_zone, created_at, updated_at) VALUES (?, ?, 'A annex', 'Asia/Shanghai', ?, ?)`, [annex, ids.hospitalA, new Date(), new Date()]);
    expect((await ops.post('/api/kiosks', kioskBody(annex, 9))).status).toBe(201);
    // The Monday a week later, 90 min ahead: no job of either site exists for it yet.
    const nextMonday = minutes(7 * 24 * 60);
    const now = new Date(nextMonday.getTime() - 90 * 60_000);
    // The annex is planned first, site A a millisecond later: site A comes second.
    await planner.planSite(annex, now);
    await planner.planSite(ids.siteA, new Date(now.getTime() + 1));
    const delays = new Map(
      (await queue.jobsIn('delayed', 'waiting'))
        .filter((j) => j.data.kind === 'transition' && (j.data as { at: string }).at === nextMonday.toISOString())
        .map((j) => [(j.data as { siteId: string }).siteId, j.opts.delay]),
    );
    expect(delays.get(annex)).toBe(nextMonday.getTime() - 60_000 - now.getTime());
    expect(delays.get(ids.siteA)).toBe(nextMonday.getTime() - 60_000 - 20 - (now.getTime() + 1));
    expect(api.config.dispatch.leadPerSiteMs).toBe(20);
    // A kiosk added to the annex replaces its job at that instant; the annex keeps its place.
    expect((await ops.post('/api/kiosks', kioskBody(annex, 10))).status).toBe(201);
    await planner.planSite(annex, new Date(now.getTime() + 2));
    const order = await api.redis.zrange(`${api.config.redis.prefix}dispatch-instant:${nextMonday.getTime()}`, 0, -1);
    expect(order).toEqual([`${annex}:wake`, `${ids.siteA}:wake`]);
  });
});
