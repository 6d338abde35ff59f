import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolAgent } from '../../testing/agent-kit';
import { seedTwoHospitals } from '../../testing/fixtures';
import { Client, startTestApi, TestApi } from '../../testing/test-app';
import { AlertEvaluationService } from './alert-evaluation.service';
import { postReadings, series } from '../../testing/telemetry-kit';

/**
 * Thresholds and environment alerts on real MySQL: the evaluation is called with
 * an explicit clock, readings go through the agent protocol.
 */
describe('telemetry: thresholds and alerts', () => {
  let api: TestApi;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  let ops: Client;
  let evaluation: AlertEvaluationService;
  // An hour ago: the readings of the test's later minutes are then still in the past (the API refuses the future).
  const t0 = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000);
  const at = (m: number) => new Date(t0.getTime() + m * 60_000);
  const normal = { temperatureC: 24, humidityPct: 40, smokeRaw: 250, smokeAlarm: false };

  beforeAll(async () => {
    api = await startTestApi();
    ids = await seedTwoHospitals(api.db);
    ops = await api.login('ops');
    evaluation = api.app.get(AlertEvaluationService);
  });
  afterAll(() => api?.close());

  const alertsOf = async (agentId: string, kind: string) =>
    (await api.db.query('SELECT id, status, open_key AS openKey, details FROM alerts WHERE agent_id = ? AND kind = ? ORDER BY id', [agentId, kind])) as Array<{
      id: string;
      status: string;
      openKey: string | null;
    }>;

  describe('thresholds API', () => {
    it('answers the defaults, lets ops change some (audited) and refuses staff and other hospitals', async () => {
      const res = await ops.get(`/api/sites/${ids.siteA}/thresholds`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ temperatureMaxC: 35, temperatureForMinutes: 5, humidityMaxPct: 80, humidityForMinutes: 15, smokeAlarm: true, silentForMinutes: 10, webhookUrl: null });
      const staff = await api.login('staff-a');
      expect((await staff.get(`/api/sites/${ids.siteA}/thresholds`)).status).toBe(200);
      expect((await staff.request('PUT', `/api/sites/${ids.siteA}/thresholds`, { temperatureMaxC: 40 })).status).toBe(403);
      expect((await (await api.login('staff-b')).get(`/api/sites/${ids.siteA}/thresholds`)).status).toBe(404);
      const bad = await ops.request('PUT', `/api/sites/${ids.siteA}/thresholds`, { temperatureMaxC: 'hot' });
      expect(bad.status).toBe(400);
      expect(bad.body.error.field).toBe('temperatureMaxC');

      const put = await ops.request('PUT', `/api/sites/${ids.siteB}/thresholds`, { temperatureMaxC: 30, humidityForMinutes: 20 });
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ temperatureMaxC: 30, humidityForMinutes: 20, temperatureForMinutes: 5 });
      expect((await ops.get(`/api/sites/${ids.siteB}/thresholds`)).body.temperatureMaxC).toBe(30);
      const audit = await api.db.query("SELECT action, entity_id AS entityId, actor_name AS actor, `before` AS b, `after` AS a FROM audit_entries WHERE entity_type = 'site_thresholds'");
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({ action: 'update', entityId: ids.siteB, actor: 'ops' });
      const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
      expect([json(audit[0].b).temperatureMaxC, json(audit[0].a).temperatureMaxC]).toEqual([35, 30]);
    });

    it('webhook URLs (they may carry a token) are for ops and admins: staff and viewers learn only that one is set, here and in the audit log', async () => {
      const url = 'http://127.0.0.1:9/hooks/secret-token-123';
      expect((await ops.request('PUT', `/api/sites/${ids.siteA}/thresholds`, { webhookUrl: url })).status).toBe(200);
      try {
        for (const username of ['ops', 'admin']) {
          const res = await (await api.login(username)).get(`/api/sites/${ids.siteA}/thresholds`);
          expect(res.body, username).toMatchObject({ webhookUrl: url, webhookUrlSet: true });
        }
        for (const username of ['staff-a', 'viewer', 'viewer-a']) {
          const client = await api.login(username);
          const res = await client.get(`/api/sites/${ids.siteA}/thresholds`);
          expect(res.status, username).toBe(200);
          expect(res.body, username).toMatchObject({ temperatureMaxC: 35, webhookUrlSet: true });
          expect(res.body, username).not.toHaveProperty('webhookUrl');
          const audit = await client.get('/api/audit?entityType=site_thresholds');
          expect(audit.body.items.length, username).toBeGreaterThan(0);
          expect(audit.body.items[0].after.webhookUrl, username).toBe('(hidden)');
          expect(res.text + audit.text, username).not.toContain('secret-token');
        }
        const opsAudit = await ops.get('/api/audit?entityType=site_thresholds');
        expect(opsAudit.body.items[0].after.webhookUrl).toBe(url);
      } finally {
        await ops.request('PUT', `/api/sites/${ids.siteA}/thresholds`, { webhookUrl: null });
      }
      expect((await (await api.login('staff-a')).get(`/api/sites/${ids.siteA}/thresholds`)).body.webhookUrlSet).toBe(false);
    });
  });

  describe('alerts', () => {
    it('temperature over 35 °C for 5 minutes opens one alert, however often it is evaluated, and resolves after 5 minutes below', async () => {
      const pi = await enrolAgent(ops, ids.siteA, 'pi-temp');
      await postReadings(pi.client, series(1, at(-4), 30, 9, () => ({ ...normal, temperatureC: 36.5 })));
      await evaluation.run(at(0), ids.siteA);
      expect(await alertsOf(pi.agentId, 'temperature_high')).toEqual([]); // only 4 minutes so far
      await postReadings(pi.client, series(10, at(0.5), 30, 2, () => ({ ...normal, temperatureC: 37 })));
      for (const m of [1, 1.5, 2, 2.5]) await evaluation.run(at(m), ids.siteA);
      const open = await alertsOf(pi.agentId, 'temperature_high');
      expect(open).toHaveLength(1);
      expect(open[0].status).toBe('open');
      // The details say how long it had to last, as the English message does, for the console to word it.
      const details = (open[0] as unknown as { details: unknown }).details;
      expect(typeof details === 'string' ? JSON.parse(details) : details).toMatchObject({ latest: 37, forMinutes: expect.any(Number) });

      // Ops acknowledge; still one alert while the condition holds.
      expect((await ops.post(`/api/alerts/${open[0].id}/acknowledge`)).status).toBe(200);
      await evaluation.run(at(3), ids.siteA);
      expect((await alertsOf(pi.agentId, 'temperature_high')).map((a) => a.status)).toEqual(['acknowledged']);

      // Below the threshold: not resolved until it has stayed so for clearForMinutes (5).
      await postReadings(pi.client, series(20, at(3), 30, 13, () => ({ ...normal, temperatureC: 30 })));
      await evaluation.run(at(5), ids.siteA);
      expect((await alertsOf(pi.agentId, 'temperature_high')).map((a) => a.status)).toEqual(['acknowledged']);
      await evaluation.run(at(9), ids.siteA);
      expect((await alertsOf(pi.agentId, 'temperature_high')).map((a) => a.status)).toEqual(['resolved']);
    });

    it('a value hovering around the threshold opens no storm of alerts', async () => {
      const pi = await enrolAgent(ops, ids.siteA, 'pi-hover');
      await postReadings(pi.client, series(1, at(-20), 30, 41, (i) => ({ ...normal, temperatureC: i % 2 ? 35.5 : 34.8 })));
      for (let m = -10; m <= 0; m += 0.5) await evaluation.run(at(m), ids.siteA);
      expect(await alertsOf(pi.agentId, 'temperature_high')).toEqual([]);
    });

    it('humidity over 80 % needs 15 minutes', async () => {
      const pi = await enrolAgent(ops, ids.siteA, 'pi-humid');
      await postReadings(pi.client, series(1, at(-10), 60, 11, () => ({ ...normal, humidityPct: 85 })));
      await evaluation.run(at(0), ids.siteA);
      expect(await alertsOf(pi.agentId, 'humidity_high')).toEqual([]);
      await postReadings(pi.client, series(20, at(1), 60, 5, () => ({ ...normal, humidityPct: 86 })));
      await evaluation.run(at(5), ids.siteA);
      expect((await alertsOf(pi.agentId, 'humidity_high')).map((a) => a.status)).toEqual(['open']);
    });

    it('a smoke alarm opens an alert at once and it resolves once the alarm has been off for a while', async () => {
      const pi = await enrolAgent(ops, ids.siteA, 'pi-smoke');
      await postReadings(pi.client, series(1, at(-3), 60, 3, () => normal));
      await postReadings(pi.client, [{ seq: 10, at: at(-0.1).toISOString(), ...normal, smokeRaw: 900, smokeAlarm: true }]);
      const live: unknown[] = [];
      const sub = api.redis.duplicate();
      await sub.subscribe(`${api.config.redis.prefix}live-events`);
      sub.on('message', (_c, m) => live.push(JSON.parse(m)));
      await evaluation.run(at(0), ids.siteA);
      const open = await alertsOf(pi.agentId, 'smoke');
      expect(open.map((a) => a.status)).toEqual(['open']);
      await expect.poll(() => live.length).toBeGreaterThan(0);
      expect(JSON.stringify(live)).toContain('"alert.opened"');
      sub.disconnect();
      await postReadings(pi.client, series(11, at(0.5), 30, 12, () => normal));
      await evaluation.run(at(6), ids.siteA);
      expect((await alertsOf(pi.agentId, 'smoke')).map((a) => a.status)).toEqual(['resolved']);
    });

    it("an agent's sensor silent for 10 minutes opens one alert per sensor; a value resolves it", async () => {
      const pi = await enrolAgent(ops, ids.siteA, 'pi-silent');
      // The DHT11 stops at -12 min; the MQ-2 keeps reporting.
      await postReadings(pi.client, series(1, at(-20), 60, 8, () => normal));
      await postReadings(pi.client, series(20, at(-12), 60, 13, () => ({ smokeRaw: 250, smokeAlarm: false })));
      await evaluation.run(at(0), ids.siteA);
      await evaluation.run(at(0.5), ids.siteA);
      const silent = await api.db.query(`SELECT open_key AS k, status FROM alerts WHERE agent_id = ? AND kind = 'sensor_silent'`, [pi.agentId]);
      expect(silent).toEqual([{ k: `env:sensor_silent:${pi.agentId}:dht11`, status: 'open' }]);
      await postReadings(pi.client, [{ seq: 40, at: at(1).toISOString(), ...normal }]);
      await evaluation.run(at(1.5), ids.siteA);
      expect((await alertsOf(pi.agentId, 'sensor_silent')).map((a) => a.status)).toEqual(['resolved']);
    });

    it('uses the site thresholds', async () => {
      await ops.request('PUT', `/api/sites/${ids.siteA}/thresholds`, { temperatureMaxC: 28, temperatureForMinutes: 2 });
      const pi = await enrolAgent(ops, ids.siteA, 'pi-custom');
      await postReadings(pi.client, series(1, at(-3), 30, 7, () => ({ ...normal, temperatureC: 29 })));
      await evaluation.run(at(0), ids.siteA);
      const [alert] = await alertsOf(pi.agentId, 'temperature_high');
      expect(alert.status).toBe('open');
      await ops.request('PUT', `/api/sites/${ids.siteA}/thresholds`, { temperatureMaxC: 35, temperatureForMinutes: 5 });
    });
  });
});
