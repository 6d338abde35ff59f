import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolAgent } from '../../testing/agent-kit';
import { AlertsService } from '../alerts/alerts.service';
import type { Principal } from '../common/request-context';
import { kioskBody, seedTwoHospitals } from '../../testing/fixtures';
import { Client, startTestApi, TestApi } from '../../testing/test-app';
import { FleetOverviewService } from './fleet-overview.service';
import { FleetService } from './fleet.service';

type Agent = Awaited<ReturnType<typeof enrolAgent>>;
interface SiteFigures {
  id: string;
  name: string;
  kiosks: number;
  up: number;
  down: number;
  unknown: number;
  mismatched: number;
  agentsOnline: number;
  agentsTotal: number;
  openAlerts: number;
  temperature: { celsius: number; at: string; agentName: string } | null;
}

/**
 * Hospital A: site "A main" (hospital rule: on around the clock) and "A annex" (a
 * site rule: off all day). Hospital B: "B main", no rule (unmanaged). Agents probe,
 * beat, read temperatures; alerts are raised. Every figure below follows from that.
 */
describe('fleet overview', () => {
  let api: TestApi;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  let ops: Client;
  let annex: string;
  const kiosks: Record<string, string> = {};
  let piA1: Agent;
  let piA2: Agent;

  const probe = (agent: Agent, results: [string, boolean][], secondsAgo = 0) =>
    agent.client.post('/probes', {
      observedAt: new Date(Date.now() - secondsAgo * 1000).toISOString(),
      results: results.map(([kioskId, up]) => ({ kioskId, up, method: 'tcp:5900', latencyMs: 2 })),
    });
  const heartbeat = (agent: Agent) =>
    agent.client.post('/heartbeat', { version: '1.2.0', uptimeS: 60, time: new Date().toISOString(), buffered: 0 });
  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

  beforeAll(async () => {
    api = await startTestApi();
    ids = await seedTwoHospitals(api.db);
    ops = await api.login('ops');
    annex = (await ops.post('/api/sites', { hospitalId: ids.hospitalA, name: 'A annex', timeZone: 'Asia/Shanghai' })).body.id;
    const add = async (key: string, siteId: string, n: number) => {
      const res = await ops.post('/api/kiosks', kioskBody(siteId, n, { ip: `127.0.${siteId === annex ? 2 : 1}.${n}`, subnet: null }));
      if (res.status !== 201) throw new Error(`kiosk ${key}: ${res.status} ${res.text}`);
      kiosks[key] = res.body.id;
    };
    for (const n of [1, 2, 3, 4]) await add(`a${n}`, ids.siteA, n);
    for (const n of [5, 6]) await add(`x${n}`, annex, n);
    for (const n of [7, 8, 9]) await add(`b${n}`, ids.siteB, n);

    const staffA = await api.login('staff-a');
    const rule = (body: Record<string, unknown>) => staffA.post('/api/rules', { hospitalId: ids.hospitalA, layer: 'regular', ...body });
    expect((await rule({ name: 'Around the clock', scope: { kind: 'hospital' }, windows: [{ start: '00:00', end: '24:00' }] })).status).toBe(201);
    expect((await rule({ name: 'Annex closed', scope: { kind: 'site', siteId: annex }, windows: [] })).status).toBe(201);

    piA1 = await enrolAgent(ops, ids.siteA, 'pi-1', ['127.0.1.0/24']);
    piA2 = await enrolAgent(ops, ids.siteA, 'pi-2', ['127.0.1.0/24']);
    const piX = await enrolAgent(ops, annex, 'pi-3', ['127.0.2.0/24']);
    const piXOld = await enrolAgent(ops, annex, 'pi-old', ['127.0.2.0/24']);
    const piB = await enrolAgent(ops, ids.siteB, 'pi-b', ['10.1.2.0/24']);
    // Registered, never enrolled (a Pi still in its box): not expected online, not counted.
    expect((await ops.post('/api/agents', { siteId: ids.siteA, name: 'pi-boxed', subnets: ['127.0.1.0/24'] })).status).toBe(201);

    // A main: a1 up, a2 down (should be on: mismatch), a3 up by pi-2 only, a4 seen 11 minutes ago only (unknown).
    await probe(piA1, [[kiosks.a1, true], [kiosks.a2, false], [kiosks.a3, false]]);
    await probe(piA2, [[kiosks.a3, true]]);
    await probe(piA1, [[kiosks.a4, true]], 11 * 60);
    // A annex: x5 up although closed (mismatch), x6 down as it should be.
    await probe(piX, [[kiosks.x5, true], [kiosks.x6, false]]);
    // B main: b7 up, b8 down, b9 never probed; unmanaged, so nothing is a mismatch.
    await probe(piB, [[kiosks.b7, true], [kiosks.b8, false]]);

    // Online: pi-1 and pi-3 beat now; pi-2 and pi-b never did. pi-old is revoked: not counted.
    await heartbeat(piA1);
    await heartbeat(piX);
    expect((await ops.post(`/api/agents/${piXOld.agentId}/revoke`)).status).toBe(200);

    // Temperatures: pi-1 24.5 now, pi-2 27.25 ten minutes ago (the warmest recent one), pi-1 40 two hours ago (too old).
    await piA1.client.post('/readings', { readings: [{ seq: 1, at: minutesAgo(120), temperatureC: 40 }, { seq: 2, at: minutesAgo(1), temperatureC: 24.5 }] });
    await piA2.client.post('/readings', { readings: [{ seq: 1, at: minutesAgo(10), temperatureC: 27.25 }, { seq: 2, at: minutesAgo(2), humidityPct: 40 }] });
    await piB.client.post('/readings', { readings: [{ seq: 1, at: minutesAgo(90), temperatureC: 30 }] });

    // Alerts: two open at A main, one of them then acknowledged, one resolved; one open at B main.
    const alerts = api.app.get(AlertsService);
    const raise = (key: string, hospitalId: string, siteId: string) =>
      alerts.raise({ kind: 'kiosk_state', openKey: `test:${key}`, hospitalId, siteId, message: key });
    await raise('a-1', ids.hospitalA, ids.siteA);
    await raise('a-2', ids.hospitalA, ids.siteA);
    const acknowledged = await raise('a-3', ids.hospitalA, ids.siteA);
    await raise('a-4', ids.hospitalA, ids.siteA);
    await raise('b-1', ids.hospitalB, ids.siteB);
    expect((await ops.post(`/api/alerts/${acknowledged.id}/acknowledge`)).status).toBe(200);
    await alerts.resolve('test:a-4');
  });
  afterAll(() => api?.close());

  const sitesOf = (body: { hospitals: { sites: SiteFigures[] }[] }) => new Map(body.hospitals.flatMap((h) => h.sites).map((s) => [s.id, s]));

  it('counts kiosks, states, mismatches, agents, open alerts and the warmest recent temperature per site', async () => {
    const res = await ops.get('/api/fleet/overview');
    expect(res.status).toBe(200);
    const sites = sitesOf(res.body);
    expect(sites.get(ids.siteA)).toMatchObject({
      name: 'A main',
      kiosks: 4,
      up: 2,
      down: 1,
      unknown: 1,
      mismatched: 1,
      agentsOnline: 1,
      agentsTotal: 2,
      openAlerts: 2,
      temperature: { celsius: 27.25, agentName: 'pi-2' },
    });
    expect(sites.get(annex)).toMatchObject({
      name: 'A annex',
      kiosks: 2,
      up: 1,
      down: 1,
      unknown: 0,
      mismatched: 1,
      agentsOnline: 1,
      agentsTotal: 1,
      openAlerts: 0,
      temperature: null,
    });
    expect(sites.get(ids.siteB)).toMatchObject({
      kiosks: 3,
      up: 1,
      down: 1,
      unknown: 1,
      mismatched: 0,
      agentsOnline: 0,
      agentsTotal: 1,
      openAlerts: 1,
      temperature: null,
    });
    const hospitalA = res.body.hospitals.find((h: { id: string }) => h.id === ids.hospitalA);
    expect(hospitalA.sites.map((s: SiteFigures) => s.name)).toEqual(['A annex', 'A main']);
    expect(hospitalA.totals).toEqual({ kiosks: 6, up: 3, down: 2, unknown: 1, mismatched: 2, agentsOnline: 2, agentsTotal: 3, openAlerts: 2 });
    expect(res.body.totals).toMatchObject({ kiosks: 9, mismatched: 2, openAlerts: 3 });
    expect(Math.abs(new Date(res.body.now).getTime() - Date.now())).toBeLessThan(10_000);
  });

  it('agrees with each site’s own fleet view', async () => {
    const overview = sitesOf((await ops.get('/api/fleet/overview')).body);
    for (const siteId of [ids.siteA, annex, ids.siteB]) {
      const fleet = (await ops.get(`/api/fleet?siteId=${siteId}`)).body;
      const count = (pick: (k: { observed: string; mismatch: boolean }) => boolean) => fleet.kiosks.filter(pick).length;
      expect(overview.get(siteId)).toMatchObject({
        kiosks: fleet.kiosks.length,
        up: count((k) => k.observed === 'up'),
        down: count((k) => k.observed === 'down'),
        unknown: count((k) => k.observed === 'unknown'),
        mismatched: count((k) => k.mismatch),
      });
    }
  });

  it('requests of the same scope made while one is computed share it; another scope computes its own', async () => {
    const overview = api.app.get(FleetOverviewService);
    const ops: Principal = { userId: ids.users.ops, username: 'ops', role: 'ops', hospitalIds: 'all', sessionId: 'a' };
    const admin: Principal = { ...ops, userId: ids.users.admin, username: 'admin', role: 'admin', sessionId: 'b' };
    const staff: Principal = { userId: ids.users['staff-a'], username: 'staff-a', role: 'staff', hospitalIds: [ids.hospitalA], sessionId: 'c' };
    const [first, second, scoped] = [overview.ofUser(ops), overview.ofUser(admin), overview.ofUser(staff)];
    expect(second).toBe(first);
    expect(scoped).not.toBe(first);
    expect((await scoped).hospitals.map((h) => h.id)).toEqual([ids.hospitalA]);
    await first;
    // Once answered, the next request computes afresh.
    const again = overview.ofUser(ops);
    expect(again).not.toBe(first);
    await again;
  });

  it('staff and scoped viewers see only their hospitals’ sites', async () => {
    const staffA = (await (await api.login('staff-a')).get('/api/fleet/overview')).body;
    expect(staffA.hospitals.map((h: { id: string }) => h.id)).toEqual([ids.hospitalA]);
    expect([...sitesOf(staffA).keys()].sort()).toEqual([ids.siteA, annex].sort());
    expect(staffA.totals.openAlerts).toBe(2);

    const staffB = (await (await api.login('staff-b')).get('/api/fleet/overview')).body;
    expect([...sitesOf(staffB).keys()]).toEqual([ids.siteB]);
    expect(staffB.totals).toMatchObject({ kiosks: 3, openAlerts: 1 });

    const viewerA = (await (await api.login('viewer-a')).get('/api/fleet/overview')).body;
    expect([...sitesOf(viewerA).keys()].sort()).toEqual([ids.siteA, annex].sort());
    expect((await api.anonymous().get('/api/fleet/overview')).status).toBe(401);
  });

  it('a site’s fleet view says until when each kiosk’s expected state holds, by the server’s clock', async () => {
    // Monday 2026-03-02 18:00 in Shanghai; a kiosk rule for a1: weekdays 07:00-20:00.
    const staffA = await api.login('staff-a');
    const rule = await staffA.post('/api/rules', {
      hospitalId: ids.hospitalA,
      name: 'a1 office hours',
      scope: { kind: 'kiosks', kioskIds: [kiosks.a1] },
      layer: 'regular',
      days: [1, 2, 3, 4, 5],
      windows: [{ start: '07:00', end: '20:00' }],
    });
    expect(rule.status).toBe(201);
    const principal: Principal = { userId: ids.users['staff-a'], username: 'staff-a', role: 'staff', hospitalIds: [ids.hospitalA], sessionId: 's' };
    const at = new Date('2026-03-02T10:00:00Z');
    const view = await api.app.get(FleetService).ofSite(principal, ids.siteA, at);
    expect(view.now).toEqual(at);
    const byId = new Map(view.kiosks.map((k) => [k.id, k]));
    expect(byId.get(kiosks.a1)).toMatchObject({ expected: 'on', expectedRuleId: rule.body.id, expectedUntil: new Date('2026-03-02T12:00:00Z'), next: 'off' });
    // The hospital rule keeps the others on around the clock: nothing changes within the horizon.
    expect(byId.get(kiosks.a2)).toMatchObject({ expected: 'on', expectedUntil: null, next: null, mismatch: true });

    const res = await staffA.get(`/api/fleet?siteId=${ids.siteA}`);
    expect(Math.abs(new Date(res.body.now).getTime() - Date.now())).toBeLessThan(10_000);
    const a1 = res.body.kiosks.find((k: { id: string }) => k.id === kiosks.a1);
    expect(new Date(a1.expectedUntil).getTime()).toBeGreaterThan(new Date(res.body.now).getTime());
    expect(a1.next).toBe(a1.expected === 'on' ? 'off' : 'on');
    expect((await staffA.delete(`/api/rules/${rule.body.id}`)).status).toBe(204);
  });

  it('"last seen" follows the agent’s heartbeats while its sighting is fresh, not the 5-minute snapshots', async () => {
    const staffA = await api.login('staff-a');
    const fleet = async () => new Map((await staffA.get(`/api/fleet?siteId=${ids.siteA}`)).body.kiosks.map((k: { id: string }) => [k.id, k]));
    const lastHeartbeat = async (agentId: string) =>
      new Date((await ops.get(`/api/agents/${agentId}`)).body.lastHeartbeatAt as string).getTime();

    // A new kiosk that pi-2 saw up 4 minutes ago (its last snapshot), pi-2 not having beaten since: the probe itself.
    const a10 = (await ops.post('/api/kiosks', kioskBody(ids.siteA, 10, { ip: '127.0.1.10', subnet: null }))).body.id;
    await probe(piA2, [[a10, true]], 4 * 60);
    const before = (await fleet()).get(a10) as { observed: string; lastSeenAt: string };
    expect(before.observed).toBe('up');
    expect(Date.now() - new Date(before.lastSeenAt).getTime()).toBeGreaterThanOrEqual(4 * 60_000);

    // It beats now: a10 is seen as of one probe interval (30 s) before that heartbeat.
    await heartbeat(piA2);
    const after = (await fleet()).get(a10) as { lastSeenAt: string };
    expect(new Date(after.lastSeenAt).getTime()).toBe((await lastHeartbeat(piA2.agentId)) - 30_000);

    // a4's only sighting is 11 minutes old: unknown, and a heartbeat of its agent does not make it seen.
    await heartbeat(piA1);
    const a4 = (await fleet()).get(kiosks.a4) as { observed: string; lastSeenAt: string };
    expect(a4.observed).toBe('unknown');
    expect(Date.now() - new Date(a4.lastSeenAt).getTime()).toBeGreaterThanOrEqual(11 * 60_000);
    // a2 was never seen up.
    expect(((await fleet()).get(kiosks.a2) as { lastSeenAt: unknown }).lastSeenAt).toBeNull();
  });

  it('a change of rules or kiosks is announced to consoles as schedule.changed, with the hospital and its sites', async () => {
    const heard: Array<{ type: string; hospitalId: string; payload: { siteIds: string[] } }> = [];
    const sub = api.redis.duplicate();
    await sub.subscribe(`${api.config.redis.prefix}live-events`);
    sub.on('message', (_channel, message) => heard.push(JSON.parse(message)));
    const changes = () => heard.filter((e) => e.type === 'schedule.changed');
    try {
      const staffA = await api.login('staff-a');
      const rule = await staffA.post('/api/rules', { hospitalId: ids.hospitalA, name: 'Evenings', scope: { kind: 'site', siteId: annex }, layer: 'override', windows: [{ start: '18:00', end: '22:00' }] });
      expect(rule.status).toBe(201);
      await expect.poll(() => changes().length).toBe(1);
      expect(changes()[0].hospitalId).toBe(ids.hospitalA);
      expect(changes()[0].payload.siteIds.sort()).toEqual([ids.siteA, annex].sort());

      // A kiosk's change names its own site only.
      expect((await staffA.patch(`/api/kiosks/${kiosks.b7}`, { name: 'not mine' })).status).toBe(404);
      expect((await ops.patch(`/api/kiosks/${kiosks.b7}`, { name: 'B lobby 7' })).status).toBe(200);
      await expect.poll(() => changes().length).toBe(2);
      expect(changes()[1]).toMatchObject({ hospitalId: ids.hospitalB, payload: { siteIds: [ids.siteB] } });
      expect((await staffA.delete(`/api/rules/${rule.body.id}`)).status).toBe(204);
      await expect.poll(() => changes().length).toBe(3);
    } finally {
      sub.disconnect();
    }
  });
});
