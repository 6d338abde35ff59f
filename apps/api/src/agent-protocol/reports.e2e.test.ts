import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kioskBody, seedTwoHospitals } from '../../testing/fixtures';
import { Client, startTestApi, TestApi } from '../../testing/test-app';
import { ApiMetrics } from '../ops/metrics';
import { AgentClient, enrolAgent } from '../../testing/agent-kit';

describe('agent reports: probes and liveness, plan, offline actions, readings', () => {
  let api: TestApi;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  let ops: Client;
  let pi1: { agentId: string; client: AgentClient };
  let pi2: { agentId: string; client: AgentClient };
  let kioskA: string;
  let kioskB: string;
  const refusedReadings = async () =>
    Object.fromEntries((await api.app.get(ApiMetrics).readingsRefused.get()).values.map((v) => [v.labels.reason, v.value]));
  const count = async (table: string) => Number((await api.db.query(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);
  // A reading's instant follows from its seq, as on a real agent: a resend carries the same (seq, at).
  // Seq 1 is a day ago, within the raw retention, one reading a second after it.
  const dayAgo = Math.floor(Date.now() / 1000) * 1000 - 86_400_000;
  const readings = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) => ({
      seq: from + i,
      at: new Date(dayAgo + (from + i - 1) * 1000).toISOString(),
      temperatureC: 24.1,
      humidityPct: 41,
      smokeRaw: 312,
      smokeAlarm: false,
    }));

  beforeAll(async () => {
    api = await startTestApi();
    ids = await seedTwoHospitals(api.db);
    ops = await api.login('ops');
    kioskA = (await ops.post('/api/kiosks', kioskBody(ids.siteA, 1))).body.id;
    kioskB = (await ops.post('/api/kiosks', kioskBody(ids.siteB, 2))).body.id;
    pi1 = await enrolAgent(ops, ids.siteA, 'pi-1');
    pi2 = await enrolAgent(ops, ids.siteA, 'pi-2');
  });
  afterAll(() => api?.close());

  describe('probes and liveness', () => {
    it('unknown until probed; up when any agent of the site sees it up; down when all fresh probes say down', async () => {
      const staffA = await api.login('staff-a');
      expect((await staffA.get(`/api/kiosks/${kioskA}/liveness`)).body).toEqual({ kioskId: kioskA, up: null, observedAt: null, agents: [] });

      const t1 = new Date(Date.now() - 2000).toISOString();
      expect((await pi1.client.post('/probes', { observedAt: t1, results: [{ kioskId: kioskA, up: false, method: 'tcp:5900' }] })).status).toBe(204);
      expect((await pi2.client.post('/probes', { observedAt: t1, results: [{ kioskId: kioskA, up: true, method: 'tcp:5900', latencyMs: 3 }] })).status).toBe(204);
      const live = await staffA.get(`/api/kiosks/${kioskA}/liveness`);
      expect(live.body).toMatchObject({ up: true, observedAt: t1 });
      expect(live.body.agents).toEqual([
        expect.objectContaining({ agentId: pi1.agentId, agentName: 'pi-1', up: false, method: 'tcp:5900', latencyMs: null, fresh: true }),
        expect.objectContaining({ agentId: pi2.agentId, agentName: 'pi-2', up: true, latencyMs: 3, fresh: true }),
      ]);

      // One row per (kiosk, agent): a newer report replaces it, an older one does not.
      const t2 = new Date(Date.now() - 1000).toISOString();
      await pi2.client.post('/probes', { observedAt: t2, results: [{ kioskId: kioskA, up: false, method: 'tcp:5900', latencyMs: 4 }] });
      await pi2.client.post('/probes', { observedAt: t1, results: [{ kioskId: kioskA, up: true, method: 'tcp:5900' }] });
      expect(await count('kiosk_probes')).toBe(2);
      expect((await staffA.get(`/api/kiosks/${kioskA}/liveness`)).body).toMatchObject({ up: false, observedAt: t2 });

      // Stale probes (nothing observed for 10 minutes) make the kiosk unknown again.
      const stale = new Date(Date.now() - 11 * 60_000);
      await api.db.query('UPDATE kiosk_probes SET observed_at = ?, received_at = ?', [stale, stale]);
      expect((await staffA.get(`/api/kiosks/${kioskA}/liveness`)).body).toMatchObject({ up: null, observedAt: null });
    });

    it('liveness is hospital-scoped like other kiosk reads', async () => {
      const staffB = await api.login('staff-b');
      expect((await staffB.get(`/api/kiosks/${kioskA}/liveness`)).status).toBe(404);
      expect((await api.anonymous().get(`/api/kiosks/${kioskA}/liveness`)).status).toBe(401);
    });

    it('a probe of a kiosk of another site rejects the whole report, naming it; nothing is stored', async () => {
      const before = await count('kiosk_probes');
      const res = await pi1.client.post('/probes', {
        observedAt: new Date().toISOString(),
        results: [
          { kioskId: kioskA, up: true, method: 'tcp:5900' },
          { kioskId: kioskB, up: true, method: 'tcp:5900' },
        ],
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'KIOSK_NOT_OF_AGENT_SITE', field: 'results.1.kioskId' });
      expect(await count('kiosk_probes')).toBe(before);
      const bad = await pi1.client.post('/probes', { observedAt: 'now', results: [] });
      expect(bad.status).toBe(400);
      expect(bad.body.error.field).toBe('observedAt');
    });
  });

  describe('plan', () => {
    it('is empty until dispatch exists, with an ETag from its content; If-None-Match answers 304', async () => {
      const res = await pi1.client.get('/plan?hours=48');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ generatedAt: expect.any(String), items: [] });
      const etag = res.headers.get('etag')!;
      expect(etag).toMatch(/^".+"$/);
      expect((await pi2.client.get('/plan')).headers.get('etag')).toBe(etag);
      const again = await pi1.client.get('/plan?hours=48', { 'if-none-match': etag });
      expect(again.status).toBe(304);
      expect(again.text).toBe('');
      expect((await pi1.client.get('/plan?hours=48', { 'if-none-match': '"stale"' })).status).toBe(200);
      const bad = await pi1.client.get('/plan?hours=1000');
      expect(bad.status).toBe(400);
      expect(bad.body.error.field).toBe('hours');
    });
  });

  describe('offline actions', () => {
    it('are stored once (a resend changes nothing), 204', async () => {
      const actions = [{ at: '2026-01-26T23:00:00.000Z', type: 'wake', kioskIds: [kioskA], executedAt: '2026-01-26T23:00:00.120Z' }];
      expect((await pi1.client.post('/offline-actions', { actions })).status).toBe(204);
      expect((await pi1.client.post('/offline-actions', { actions })).status).toBe(204);
      const rows = await api.db.query('SELECT agent_id, type, at, executed_at FROM agent_offline_actions');
      expect(rows).toEqual([{ agent_id: pi1.agentId, type: 'wake', at: new Date(actions[0].at), executed_at: new Date(actions[0].executedAt) }]);
    });

    it('bad input or kiosks of another site: 400 naming the field, nothing stored', async () => {
      const before = await count('agent_offline_actions');
      const at = '2026-01-27T23:00:00.000Z';
      const foreign = await pi1.client.post('/offline-actions', { actions: [{ at, type: 'wake', kioskIds: [kioskB], executedAt: at }] });
      expect(foreign.status).toBe(400);
      expect(foreign.body.error.field).toBe('actions.0.kioskIds.0');
      const badType = await pi1.client.post('/offline-actions', { actions: [{ at, type: 'reboot', kioskIds: [kioskA], executedAt: at }] });
      expect(badType.status).toBe(400);
      expect(badType.body.error.field).toBe('actions.0.type');
      expect(await count('agent_offline_actions')).toBe(before);
    });
  });

  describe('readings', () => {
    it('are stored raw, once per (agent, seq); a resent batch is acknowledged and stores nothing twice', async () => {
      const batch = readings(1, 100);
      batch[5] = { seq: 6, at: batch[5].at } as (typeof batch)[number]; // a sensor failed
      const res = await pi1.client.post('/readings', { readings: batch });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ackSeq: 100 });
      const resent = await pi1.client.post('/readings', { readings: readings(51, 100) });
      expect(resent.body).toEqual({ ackSeq: 150 });
      expect(await count('readings')).toBe(150);
      const [row] = await api.db.query('SELECT * FROM readings WHERE agent_id = ? AND seq = 1', [pi1.agentId]);
      expect(row).toMatchObject({ at: new Date(dayAgo), smoke_raw: 312, smoke_alarm: 0 });
      expect(Number(row.temperature_c)).toBe(24.1);
      expect(Number(row.humidity_pct)).toBe(41);
      const [failed] = await api.db.query('SELECT * FROM readings WHERE agent_id = ? AND seq = 6', [pi1.agentId]);
      expect(failed).toMatchObject({ temperature_c: null, humidity_pct: null, smoke_raw: null, smoke_alarm: null });
      // Another agent's seq numbers are its own.
      expect((await pi2.client.post('/readings', { readings: readings(1, 1) })).body).toEqual({ ackSeq: 1 });
    });

    it('a seq already stored is not stored again with other content, whatever its instant; counted and acknowledged', async () => {
      const before = await count('readings');
      const refusedBefore = await refusedReadings();
      const original = readings(300, 3);
      expect((await pi1.client.post('/readings', { readings: original })).body).toEqual({ ackSeq: 302 });
      // The same seqs again: one identical (a resend), one with another value, one with another instant.
      const changed = [original[0], { ...original[1], temperatureC: 99 }, { ...original[2], at: new Date(dayAgo + 5_000_000).toISOString() }];
      // And twice in one batch: the first of the two is kept.
      const twice = [...readings(303, 1), { ...readings(303, 1)[0], smokeAlarm: true }];
      const res = await pi1.client.post('/readings', { readings: [...changed, ...twice] });
      expect(res.body).toEqual({ ackSeq: 303 });
      expect(await count('readings')).toBe(before + 4);
      const rows = await api.db.query('SELECT seq, at, temperature_c, smoke_alarm FROM readings WHERE agent_id = ? AND seq BETWEEN 300 AND 303 ORDER BY seq', [pi1.agentId]);
      expect(rows.map((r: { seq: number; at: Date; temperature_c: string; smoke_alarm: number }) => [Number(r.seq), r.at.toISOString(), Number(r.temperature_c), r.smoke_alarm])).toEqual([
        [300, original[0].at, 24.1, 0],
        [301, original[1].at, 24.1, 0],
        [302, original[2].at, 24.1, 0],
        [303, readings(303, 1)[0].at, 24.1, 0],
      ]);
      const refused = await refusedReadings();
      expect((refused.conflicting_duplicate ?? 0) - (refusedBefore.conflicting_duplicate ?? 0)).toBe(3);
    });

    it('a reading dated in the future or older than the raw retention is not stored, but acknowledged so the buffer drains', async () => {
      const before = await count('readings');
      const now = Date.now();
      const batch = [
        { seq: 400, at: new Date(now + 60 * 60_000).toISOString(), temperatureC: 20 }, // an hour ahead: a bad clock
        { seq: 401, at: new Date(now - 31 * 86_400_000).toISOString(), temperatureC: 20 }, // past the 30-day raw retention
        { seq: 402, at: new Date(now + 60_000).toISOString(), temperatureC: 20 }, // a minute ahead: within the tolerance
        { seq: 403, at: new Date(now - 29 * 86_400_000).toISOString(), temperatureC: 20 },
      ];
      const res = await pi1.client.post('/readings', { readings: batch });
      expect(res.body).toEqual({ ackSeq: 403 });
      const stored = await api.db.query('SELECT seq FROM readings WHERE agent_id = ? AND seq BETWEEN 400 AND 403 ORDER BY seq', [pi1.agentId]);
      expect(stored.map((r: { seq: number }) => Number(r.seq))).toEqual([402, 403]);
      expect(await count('readings')).toBe(before + 2);
      expect(await refusedReadings()).toMatchObject({ future: 1, too_old: 1 });
    });

    it('5,000 readings are accepted; 5,001 are 413 BATCH_TOO_LARGE and nothing is stored', async () => {
      const before = await count('readings');
      const tooMany = await pi1.client.post('/readings', { readings: readings(10_000, 5001) });
      expect(tooMany.status).toBe(413);
      expect(tooMany.body.error.code).toBe('BATCH_TOO_LARGE');
      expect(await count('readings')).toBe(before);
      const max = await pi1.client.post('/readings', { readings: readings(10_000, 5000) });
      expect(max.status).toBe(200);
      expect(max.body).toEqual({ ackSeq: 14_999 });
      expect(await count('readings')).toBe(before + 5000);
    });

    it.each([
      ['seq', { seq: -1 }],
      ['seq', { seq: 1.5 }],
      ['at', { at: 'yesterday' }],
      ['temperatureC', { temperatureC: 'hot' }],
      ['humidityPct', { humidityPct: 140 }],
      ['smokeAlarm', { smokeAlarm: 'yes' }],
    ])('an invalid %s anywhere in the batch is a 400 naming readings.N.field; nothing is stored', async (field, patch) => {
      const before = await count('readings');
      const batch: Array<Record<string, unknown>> = readings(50_000, 10);
      batch[7] = { ...batch[7], ...patch };
      const res = await pi1.client.post('/readings', { readings: batch });
      expect(res.status).toBe(400);
      expect(res.body.error.field).toBe(`readings.7.${field}`);
      expect(res.body.error.message).toContain(`readings.7.${field}`);
      expect(await count('readings')).toBe(before);
    });

    it('a revoked token is 401 and stores nothing', async () => {
      const pi3 = await enrolAgent(ops, ids.siteA, 'pi-3');
      await ops.post(`/api/agents/${pi3.agentId}/revoke`);
      const before = await count('readings');
      const res = await pi3.client.post('/readings', { readings: readings(1, 5) });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('AGENT_TOKEN_INVALID');
      expect(await count('readings')).toBe(before);
    });
  });
});
