import { DateTime } from 'luxon';
import type Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolAgent } from '../../testing/agent-kit';
import { FleetService } from '../fleet/fleet.service';
import { LiveEventsService } from '../live/live-events.service';
import { kioskBody, seedTwoHospitals } from '../../testing/fixtures';
import { Client, startTestApi, TestApi } from '../../testing/test-app';
import { verifyJobId } from './dispatch-jobs';
import { DispatchQueue } from './dispatch-queue';
import { DispatcherService } from './dispatcher.service';
import { VerificationService } from './verification.service';

/**
 * Wake now / shut down now against real MySQL, Redis and BullMQ, with agents
 * speaking the real protocol over HTTP. Kiosks 1-3 sit in 10.1.2.0/24, which pi-1
 * and pi-2 reach; kiosk 4 sits in 10.1.3.0/24, which only pi-3 reaches, and pi-3
 * sends no heartbeat (offline). A rule keeps site A's kiosks on around the present
 * hour (Asia/Shanghai), so the schedule expects them on now.
 */
const ZONE = 'Asia/Shanghai';

describe('act now: POST /api/power-commands', () => {
  let api: TestApi;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  let ops: Client;
  let staffA: Client;
  let staffB: Client;
  let viewer: Client;
  const k: string[] = [];
  let otherHospitalKiosk: string;
  let agents: Awaited<ReturnType<typeof enrolAgent>>[];
  let offline: Awaited<ReturnType<typeof enrolAgent>>;

  const heartbeat = (a: { client: { post(path: string, body: unknown): Promise<unknown> } }) =>
    a.client.post('/heartbeat', { version: '1.2.0', uptimeS: 10, time: new Date().toISOString(), buffered: 0 });
  const count = async (sql: string) => Number((await api.db.query(sql))[0].n);
  const pending = async (i: number) =>
    (await agents[i].client.get('/commands?wait=0')).body.commands as {
      id: string;
      type: string;
      targets: { kioskId: string }[];
    }[];
  const probe = (kioskId: string, up: boolean) =>
    agents[0].client.post('/probes', {
      observedAt: new Date().toISOString(),
      results: [{ kioskId, up, method: 'tcp:5900', latencyMs: up ? 2 : null }],
    });
  const clearAll = async () => {
    for (const [i, a] of agents.entries()) {
      for (const c of await pending(i))
        await a.client.post(`/commands/${c.id}/result`, {
          status: 'done',
          startedAt: new Date().toISOString(),
          finishedAt: new Date().toISOString(),
          targets: [],
        });
    }
    for (const table of ['dispatches', 'command_results', 'agent_commands', 'alerts', 'audit_entries'])
      await api.db.query(`DELETE FROM ${table}`);
  };

  beforeAll(async () => {
    // Commands of a transition a few minutes in the past must still be valid when recorded.
    api = await startTestApi({ COMMAND_TTL_S: '3600' });
    ids = await seedTwoHospitals(api.db);
    ops = await api.login('ops');
    staffA = await api.login('staff-a');
    staffB = await api.login('staff-b');
    viewer = await api.login('viewer');
    for (let n = 1; n <= 3; n++)
      k.push((await ops.post('/api/kiosks', kioskBody(ids.siteA, n, { shutdownMethod: 'http-post' }))).body.id);
    // No shutdown method, and in a VLAN only the offline agent reaches.
    k.push((await ops.post('/api/kiosks', kioskBody(ids.siteA, 4, { ip: '10.1.3.4', subnet: '10.1.3.0/24' }))).body.id);
    otherHospitalKiosk = (await ops.post('/api/kiosks', kioskBody(ids.siteB, 40, { shutdownMethod: 'http-post' }))).body
      .id;
    const hour = DateTime.now().setZone(ZONE).hour;
    const hh = (h: number) => (h >= 24 ? '24:00' : `${String(h).padStart(2, '0')}:00`);
    const rule = await ops.post('/api/rules', {
      hospitalId: ids.hospitalA,
      name: 'Around now',
      scope: { kind: 'hospital' },
      layer: 'regular',
      days: [1, 2, 3, 4, 5, 6, 7],
      windows: [{ start: hh(Math.max(0, hour - 1)), end: hh(Math.min(24, hour + 2)) }],
    });
    expect(rule.status).toBe(201);
    agents = [
      await enrolAgent(ops, ids.siteA, 'pi-1'),
      await enrolAgent(ops, ids.siteA, 'pi-2'),
      await enrolAgent(ops, ids.siteA, 'pi-far', ['10.9.0.0/16']),
    ];
    offline = await enrolAgent(ops, ids.siteA, 'pi-3', ['10.1.3.0/24']);
    for (const a of agents) await heartbeat(a);
  });
  afterAll(() => api?.close());

  it('fans out to every online agent that reaches each kiosk; one nobody reaches is no_agent and the rest still go; recorded, verified later, audited, announced live', async () => {
    await clearAll();
    const subscriber: Redis = api.redis.duplicate();
    const events: { type: string; payload: Record<string, unknown> }[] = [];
    await subscriber.subscribe(api.app.get(LiveEventsService).channel);
    subscriber.on('message', (_: string, m: string) => events.push(JSON.parse(m)));
    try {
      const res = await ops.post('/api/power-commands', { action: 'wake', kioskIds: [k[0], k[1], k[3]] });
      expect(res.status).toBe(201);
      expect(res.body.counts).toMatchObject({ kiosks: 3, sent: 2, noAgent: 1 });
      const byKiosk = new Map(res.body.kiosks.map((x: { kioskId: string }) => [x.kioskId, x]));
      expect(byKiosk.get(k[0])).toMatchObject({
        status: 'sent',
        agents: expect.arrayContaining([
          expect.objectContaining({ name: 'pi-1' }),
          expect.objectContaining({ name: 'pi-2' }),
        ]),
      });
      expect((byKiosk.get(k[0]) as { agents: unknown[] }).agents).toHaveLength(2);
      expect(byKiosk.get(k[3])).toMatchObject({ status: 'no_agent', agents: [] });
      // pi-1 and pi-2 each got one wake for kiosks 1 and 2; the agent of another VLAN and the offline one got nothing.
      for (const i of [0, 1]) {
        const [command] = await pending(i);
        expect(command.type).toBe('wake');
        expect(command.targets.map((t) => t.kioskId).sort()).toEqual([k[0], k[1]].sort());
      }
      expect(await pending(2)).toEqual([]);
      expect((await offline.client.get('/commands?wait=0')).body.commands).toEqual([]);

      const rows = await api.db.query(
        `SELECT kiosk_id, source, requested_by, status, planned_at, rule_id FROM dispatches ORDER BY kiosk_id`,
      );
      expect(rows).toHaveLength(3);
      expect(
        rows.every(
          (r: { source: string; requested_by: string; rule_id: null }) =>
            r.source === 'manual' && r.requested_by === 'ops' && r.rule_id === null,
        ),
      ).toBe(true);
      expect(rows.find((r: { kiosk_id: string }) => r.kiosk_id === k[3]).status).toBe('no_agent');
      // One occurrence: one instant for the three, and verification jobs for it like a scheduled one's.
      const at: Date = rows[0].planned_at;
      expect(new Set(rows.map((r: { planned_at: Date }) => r.planned_at.getTime())).size).toBe(1);
      const queue = api.app.get(DispatchQueue);
      for (const round of [0, 1, 2]) expect(await queue.getJob(verifyJobId(ids.siteA, at, 'wake', round))).toBeTruthy();

      const audit = await api.db.query(
        `SELECT actor_name, hospital_id, \`after\` FROM audit_entries WHERE entity_type = 'power_command'`,
      );
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ actor_name: 'ops', hospital_id: ids.hospitalA });
      const after = typeof audit[0].after === 'string' ? JSON.parse(audit[0].after) : audit[0].after;
      expect(after).toMatchObject({ action: 'wake', counts: { kiosks: 3, sent: 2, noAgent: 1 } });
      expect([...after.kioskIds].sort()).toEqual([k[0], k[1], k[3]].sort());

      await expect.poll(() => events.find((e) => e.type === 'dispatch.updated')).toBeTruthy();
      expect(events.find((e) => e.type === 'dispatch.updated')!.payload).toMatchObject({
        siteId: ids.siteA,
        source: 'manual',
        requestedBy: 'ops',
        action: 'wake',
        sent: 2,
        noAgent: 1,
      });
    } finally {
      subscriber.disconnect();
    }
  });

  it("staff act on their own hospital's kiosks; another hospital's kiosk or site is not found; viewers are refused; nothing is stored for a refusal", async () => {
    await clearAll();
    expect((await staffA.post('/api/power-commands', { action: 'wake', kioskIds: [k[0]] })).status).toBe(201);
    const foreign = await staffB.post('/api/power-commands', { action: 'wake', kioskIds: [k[0]] });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('KIOSK_NOT_FOUND');
    // Exactly like a kiosk that does not exist: nothing tells staff the id is real elsewhere.
    const missingId = '00000000-0000-4000-8000-000000000000';
    const missing = await staffB.post('/api/power-commands/preview', { action: 'wake', kioskIds: [missingId] });
    const elsewhere = await staffB.post('/api/power-commands/preview', { action: 'wake', kioskIds: [k[0]] });
    expect([missing.status, elsewhere.status]).toEqual([404, 404]);
    expect(JSON.stringify(elsewhere.body.error).replace(k[0], missingId)).toBe(JSON.stringify(missing.body.error));
    const mixed = await staffA.post('/api/power-commands', { action: 'wake', kioskIds: [k[1], otherHospitalKiosk] });
    expect(mixed.status).toBe(404);
    expect((await staffB.post('/api/power-commands', { action: 'wake', siteId: ids.siteA })).status).toBe(404);
    expect((await staffB.post('/api/power-commands/preview', { action: 'wake', kioskIds: [k[0]] })).status).toBe(404);
    const refused = await viewer.post('/api/power-commands', { action: 'wake', kioskIds: [k[0]] });
    expect(refused.status).toBe(403);
    expect((await viewer.post('/api/power-commands/preview', { action: 'wake', kioskIds: [k[0]] })).status).toBe(403);
    // Only staff-a's own request left rows; the refusals are audited as such.
    expect(await count('SELECT COUNT(*) AS n FROM dispatches')).toBe(1);
    expect(await count(`SELECT COUNT(*) AS n FROM audit_entries WHERE entity_type = 'power_command'`)).toBe(1);
    expect(
      await count(`SELECT COUNT(*) AS n FROM audit_entries WHERE action = 'access_denied'`),
    ).toBeGreaterThanOrEqual(3);
  });

  it("a request spanning two hospitals is audited once per hospital, each with its own kiosks, visible in that hospital's log", async () => {
    await clearAll();
    const res = await ops.post('/api/power-commands', { action: 'wake', kioskIds: [k[0], otherHospitalKiosk] });
    expect(res.status, res.text).toBe(201);
    const audit: { hospital_id: string; entity_id: string; after: unknown }[] = await api.db.query(
      `SELECT hospital_id, entity_id, \`after\` FROM audit_entries WHERE entity_type = 'power_command' ORDER BY hospital_id`,
    );
    const byHospital = new Map(audit.map((a) => [a.hospital_id, typeof a.after === 'string' ? JSON.parse(a.after) : a.after]));
    expect([...byHospital.keys()].sort()).toEqual([ids.hospitalA, ids.hospitalB].sort());
    expect(new Set(audit.map((a) => a.entity_id)).size).toBe(1); // one request
    expect(byHospital.get(ids.hospitalA)).toMatchObject({ kioskIds: [k[0]], counts: { kiosks: 1 } });
    expect(byHospital.get(ids.hospitalB)).toMatchObject({ kioskIds: [otherHospitalKiosk], counts: { kiosks: 1 } });
    const seenByStaffB = (await staffB.get('/api/audit?entityType=power_command')).body.items;
    expect(seenByStaffB).toHaveLength(1);
  });

  it.each([
    [
      'both kioskIds and siteId',
      () => ({ action: 'wake', kioskIds: [k[0]], siteId: ids.siteA }),
      'VALIDATION_FAILED',
      'kioskIds',
    ],
    ['neither kioskIds nor siteId', () => ({ action: 'wake' }), 'VALIDATION_FAILED', 'kioskIds'],
    ['an unknown action', () => ({ action: 'reboot', kioskIds: [k[0]] }), 'VALIDATION_FAILED', 'action'],
    ['a kiosk twice', () => ({ action: 'wake', kioskIds: [k[0], k[0]] }), 'VALIDATION_FAILED', 'kioskIds'],
    [
      'more than 1,000 kiosks',
      () => ({
        action: 'wake',
        kioskIds: Array.from({ length: 1001 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`),
      }),
      'VALIDATION_FAILED',
      'kioskIds',
    ],
    [
      'a named kiosk without shutdown method',
      () => ({ action: 'shutdown', kioskIds: [k[0], k[3]], confirm: true }),
      'KIOSK_SHUTDOWN_METHOD_MISSING',
      'kioskIds.1',
    ],
    [
      'an unknown field',
      () => ({ action: 'wake', kioskIds: [k[0]], dueAt: new Date().toISOString() }),
      'VALIDATION_FAILED',
      undefined,
    ],
  ])('%s is a 400 naming the field, and nothing is stored or sent', async (_, body, code, field) => {
    await clearAll();
    const res = await ops.post('/api/power-commands', body());
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(code);
    if (field) expect(res.body.error.field).toBe(field);
    expect(await count('SELECT COUNT(*) AS n FROM dispatches')).toBe(0);
    expect(await count('SELECT COUNT(*) AS n FROM agent_commands')).toBe(0);
  });

  it('a shutdown needs confirm: 409 CONFIRMATION_REQUIRED with the count and how many the schedule expects on, the figures the preview gives; confirmed, it goes', async () => {
    await clearAll();
    const preview = await staffA.post('/api/power-commands/preview', { action: 'shutdown', siteId: ids.siteA });
    expect(preview.status).toBe(200);
    // Kiosk 4 has no shutdown method: left out of a whole-site shutdown, and said so.
    expect(preview.body.counts).toMatchObject({ kiosks: 3, expectedOn: 3, unreachable: 0, unfit: 1 });
    expect(preview.body.unfit).toEqual([
      expect.objectContaining({ kioskId: k[3], reason: 'KIOSK_SHUTDOWN_METHOD_MISSING' }),
    ]);
    expect(
      preview.body.kiosks.map((x: { expected: string; agents: unknown[] }) => [x.expected, x.agents.length]),
    ).toEqual([
      ['on', 2],
      ['on', 2],
      ['on', 2],
    ]);
    expect(await count('SELECT COUNT(*) AS n FROM dispatches')).toBe(0);

    const unconfirmed = await staffA.post('/api/power-commands', { action: 'shutdown', siteId: ids.siteA });
    expect(unconfirmed.status).toBe(409);
    expect(unconfirmed.body.error).toMatchObject({
      code: 'CONFIRMATION_REQUIRED',
      field: 'confirm',
      details: { kiosks: 3, expectedOn: 3 },
    });
    expect(await count('SELECT COUNT(*) AS n FROM dispatches')).toBe(0);
    expect(await count('SELECT COUNT(*) AS n FROM agent_commands')).toBe(0);

    const confirmed = await staffA.post('/api/power-commands', {
      action: 'shutdown',
      siteId: ids.siteA,
      confirm: true,
    });
    expect(confirmed.status).toBe(201);
    expect(confirmed.body.counts).toMatchObject({ kiosks: 3, expectedOn: 3, sent: 3, noAgent: 0 });
    const [command] = await pending(0);
    expect(command).toMatchObject({ type: 'shutdown' });
    expect(command.targets.map((t) => t.kioskId).sort()).toEqual([k[0], k[1], k[2]].sort());
  });

  it('one request at a time per user: a second one while the first runs is refused', async () => {
    await clearAll();
    const [a, b] = await Promise.all([
      ops.post('/api/power-commands', { action: 'wake', kioskIds: [k[0]] }),
      ops.post('/api/power-commands', { action: 'wake', kioskIds: [k[1]] }),
    ]);
    const statuses = [a.status, b.status].sort();
    // Both may pass when the first finished before the second began; never both refused, never a 500.
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    expect(statuses).toContain(201);
    const refused = [a, b].find((r) => r.status === 409);
    if (refused) expect(refused.body.error.code).toBe('POWER_COMMAND_IN_PROGRESS');
    // The lock is the user's, not the site's: ops' lock held does not stop staff.
    await api.redis.set(`${api.config.redis.prefix}power-command:${ids.users.ops}`, 'held', 'PX', 5000);
    const held = await ops.post('/api/power-commands', { action: 'wake', kioskIds: [k[2]] });
    expect(held.status).toBe(409);
    expect(held.body.error.code).toBe('POWER_COMMAND_IN_PROGRESS');
    expect((await staffA.post('/api/power-commands', { action: 'wake', kioskIds: [k[2]] })).status).toBe(201);
    await api.redis.del(`${api.config.redis.prefix}power-command:${ids.users.ops}`);
  });

  it("a wake-now is verified up like a scheduled wake; the history shows who asked, each agent's command, its start and result, and the verification", async () => {
    await clearAll();
    const res = await ops.post('/api/power-commands', { action: 'wake', kioskIds: [k[0]] });
    const at = new Date(res.body.occurrences[0].plannedAt);
    const command = res.body.commands.find((c: { agentName: string }) => c.agentName === 'pi-1');
    const startedAt = new Date(Date.now() + 5).toISOString();
    const subscriber: Redis = api.redis.duplicate();
    const reports: unknown[] = [];
    await subscriber.subscribe(api.app.get(LiveEventsService).channel);
    subscriber.on('message', (_: string, m: string) => {
      const e = JSON.parse(m);
      if (e.type === 'dispatch.updated' && e.payload.commandId === command.id) reports.push(e.payload);
    });
    try {
      const report = { status: 'done', startedAt, finishedAt: startedAt, targets: [{ kioskId: k[0], ok: true, error: null }] };
      expect((await agents[0].client.post(`/commands/${command.id}/result`, report)).status).toBe(204);
      // A resend (the agent's retry, or a stolen token in a loop) is accepted and tells the consoles nothing.
      for (let i = 0; i < 3; i++) expect((await agents[0].client.post(`/commands/${command.id}/result`, report)).status).toBe(204);
      await expect.poll(() => reports.length).toBe(1);
      await new Promise((r) => setTimeout(r, 300));
      expect(reports).toHaveLength(1);
    } finally {
      await subscriber.quit();
    }
    const failedAt = new Date().toISOString();
    const other = res.body.commands.find((c: { agentName: string }) => c.agentName === 'pi-2');
    await agents[1].client.post(`/commands/${other.id}/result`, {
      status: 'failed',
      startedAt: failedAt,
      finishedAt: failedAt,
      targets: [{ kioskId: k[0], ok: false, error: 'EHOSTUNREACH' }],
    });
    await probe(k[0], true);

    const verified = await api.app
      .get(VerificationService)
      .verify(
        { kind: 'verify', siteId: ids.siteA, at: at.toISOString(), action: 'wake', round: 0 },
        new Date(Date.now() + 1000),
      );
    expect(verified).toEqual({ ok: 1, wrong: 0 });

    const history = await ops.get(`/api/kiosks/${k[0]}/dispatches`);
    expect(history.status).toBe(200);
    expect(history.body.timeZone).toBe(ZONE);
    const [d] = history.body.items;
    expect(d).toMatchObject({
      source: 'manual',
      requestedBy: 'ops',
      action: 'wake',
      status: 'verified',
      kiosk: { code: 'MZ-1F-01' },
    });
    expect(d.verifications).toEqual([
      expect.objectContaining({ observed: 'up', ok: true, action: 'none', afterS: 300 }),
    ]);
    const byAgent = new Map(d.commands.map((c: { agentName: string }) => [c.agentName, c]));
    expect(byAgent.get('pi-1')).toMatchObject({
      commandId: command.id,
      result: { status: 'done', ok: true, error: null, startedAt },
    });
    expect(byAgent.get('pi-2')).toMatchObject({ result: { status: 'failed', ok: false, error: 'EHOSTUNREACH' } });
    // Per site, and filtered by source.
    const site = await staffA.get(`/api/sites/${ids.siteA}/dispatches?source=manual`);
    expect(site.body.items.map((x: { kioskId: string }) => x.kioskId)).toEqual([k[0]]);
    expect((await staffA.get(`/api/sites/${ids.siteA}/dispatches?source=schedule`)).body.total).toBe(0);
    expect((await staffB.get(`/api/kiosks/${k[0]}/dispatches`)).status).toBe(404);
  });

  it('a scheduled wake superseded by a manual shutdown closes quietly at its verification: no second wake, no alert; the kiosk still due is woken again and alerted', async () => {
    await clearAll();
    // A scheduled wake two minutes ago (inside the rule's window), sent to both agents.
    const at = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 2 * 60_000);
    const sent = await api.app
      .get(DispatcherService)
      .runTransition(
        { kind: 'transition', siteId: ids.siteA, at: at.toISOString(), action: 'wake', kioskIds: [k[0], k[1]] },
        new Date(at.getTime() - 60_000),
      );
    expect(sent.sent).toBe(2);
    // Then ops shuts kiosk 1 down now; both kiosks are seen down.
    expect(
      (await ops.post('/api/power-commands', { action: 'shutdown', kioskIds: [k[0]], confirm: true })).status,
    ).toBe(201);
    await probe(k[0], false);
    await probe(k[1], false);
    const wakesBefore = await count(`SELECT COUNT(*) AS n FROM agent_commands WHERE type = 'wake'`);

    const verification = api.app.get(VerificationService);
    const job = (round: number) => ({
      kind: 'verify' as const,
      siteId: ids.siteA,
      at: at.toISOString(),
      action: 'wake' as const,
      round,
    });
    expect(await verification.verify(job(0), new Date(Date.now() + 1000))).toEqual({ ok: 0, wrong: 1, superseded: 1 });
    // Woken again: kiosk 2 only.
    const rewakes = await api.db.query(
      `SELECT body FROM agent_commands WHERE type = 'wake' ORDER BY created_at DESC LIMIT 2`,
    );
    expect(await count(`SELECT COUNT(*) AS n FROM agent_commands WHERE type = 'wake'`)).toBe(wakesBefore + 2);
    for (const r of rewakes) {
      const body = typeof r.body === 'string' ? JSON.parse(r.body) : r.body;
      expect(body.targets.map((t: { kioskId: string }) => t.kioskId)).toEqual([k[1]]);
    }
    const row = async (kioskId: string) =>
      (
        await api.db.query(
          `SELECT status, outcome, verifications FROM dispatches WHERE kiosk_id = ? AND planned_at = ? AND action = 'wake'`,
          [kioskId, at],
        )
      )[0];
    expect(await row(k[0])).toMatchObject({
      status: 'superseded',
      outcome: expect.stringContaining('manual shutdown by ops'),
    });
    expect((await row(k[0])).verifications).toEqual([
      expect.objectContaining({ observed: 'down', action: 'superseded' }),
    ]);
    expect((await ops.get(`/api/kiosks/${k[0]}/dispatches?source=schedule`)).body.items[0]).toMatchObject({
      outcomeCode: 'supersededByManual',
      outcomeParams: { action: 'shutdown', user: 'ops', at: expect.any(String) },
    });

    expect(await verification.verify(job(2), new Date(Date.now() + 2000))).toEqual({ ok: 0, wrong: 1 });
    const alerts = (await ops.get('/api/alerts?status=open')).body.items.filter(
      (a: { kind: string }) => a.kind === 'kiosk_state',
    );
    // One alert for the occurrence, listing only the kiosk still due.
    expect(alerts).toHaveLength(1);
    expect(alerts[0].details.kiosks.map((x: { id: string }) => x.id)).toEqual([k[1]]);
    expect((await row(k[0])).status).toBe('superseded');
  });

  it('a scheduled verification after a rule edit that no longer expects the state closes quietly and says so', async () => {
    await clearAll();
    const at = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
    await api.app
      .get(DispatcherService)
      .runTransition(
        { kind: 'transition', siteId: ids.siteA, at: at.toISOString(), action: 'wake', kioskIds: [k[2]] },
        new Date(at.getTime() - 60_000),
      );
    await probe(k[2], false);
    const off = await ops.post('/api/rules', {
      hospitalId: ids.hospitalA,
      name: 'Kiosk 3 off',
      scope: { kind: 'kiosks', kioskIds: [k[2]] },
      layer: 'override',
      windows: [],
    });
    try {
      const result = await api.app
        .get(VerificationService)
        .verify(
          { kind: 'verify', siteId: ids.siteA, at: at.toISOString(), action: 'wake', round: 2 },
          new Date(Date.now() + 1000),
        );
      expect(result).toEqual({ ok: 0, wrong: 0, superseded: 1 });
      const [r] = await api.db.query(`SELECT status, outcome FROM dispatches WHERE kiosk_id = ? AND action = 'wake'`, [
        k[2],
      ]);
      expect(r).toMatchObject({ status: 'superseded', outcome: 'a rule edit: the schedule now expects off' });
      expect((await ops.get(`/api/kiosks/${k[2]}/dispatches`)).body.items[0]).toMatchObject({
        outcomeCode: 'supersededRuleEdit',
        outcomeParams: { state: 'off' },
      });
      expect(
        (await ops.get('/api/alerts?status=open')).body.items.filter((a: { kind: string }) => a.kind === 'kiosk_state'),
      ).toEqual([]);
    } finally {
      await ops.delete(`/api/rules/${off.body.id}`);
    }
  });

  it("the fleet's expected state shows a manual command until the schedule's next transition for the kiosk", async () => {
    await clearAll();
    expect(
      (await staffA.post('/api/power-commands', { action: 'shutdown', kioskIds: [k[0]], confirm: true })).status,
    ).toBe(201);
    const fleet = await staffA.get(`/api/fleet?siteId=${ids.siteA}`);
    const byId = new Map(fleet.body.kiosks.map((x: { id: string }) => [x.id, x]));
    expect(byId.get(k[0])).toMatchObject({
      expected: 'off',
      expectedManual: { action: 'shutdown', requestedBy: 'staff-a' },
    });
    expect(byId.get(k[1])).toMatchObject({ expected: 'on', expectedManual: null });
    // The overview counts from the same expected state. Seen up, the kiosk shut down by
    // hand is a mismatch in both; the one the schedule wants on, seen up, is in neither.
    await probe(k[0], true);
    await probe(k[1], true);
    const seen = await staffA.get(`/api/fleet?siteId=${ids.siteA}`);
    const mismatched = seen.body.kiosks.filter((x: { mismatch: boolean }) => x.mismatch).map((x: { id: string }) => x.id);
    expect(mismatched).toContain(k[0]);
    expect(mismatched).not.toContain(k[1]);
    const overview = await staffA.get('/api/fleet/overview');
    const site = overview.body.hospitals.flatMap((h: { sites: { id: string }[] }) => h.sites).find((s: { id: string }) => s.id === ids.siteA);
    expect(site.mismatched).toBe(mismatched.length);
    // A day later the rule's window has closed and opened again: the schedule decides.
    const principal = {
      userId: ids.users['staff-a'],
      username: 'staff-a',
      role: 'staff' as const,
      hospitalIds: [ids.hospitalA],
      sessionId: 'test',
    };
    const tomorrow = await api.app
      .get(FleetService)
      .ofSite(principal, ids.siteA, new Date(Date.now() + 24 * 3_600_000));
    expect(tomorrow.kiosks.find((x) => x.id === k[0])).toMatchObject({ expected: 'on', expectedManual: null });
  });
});
