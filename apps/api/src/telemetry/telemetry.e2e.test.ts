import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolAgent } from '../../testing/agent-kit';
import { kioskBody, seedTwoHospitals } from '../../testing/fixtures';
import { Client, startTestApi, TestApi } from '../../testing/test-app';
import { RollupService } from './rollup.service';
import { fiveMinuteBucket, hourBucket } from './sql-buckets';
import { postReadings, seeded, series, storeReadings, TestReading } from '../../testing/telemetry-kit';

/**
 * Rollups, chart API and correlation on real MySQL, with readings sent through
 * the agent protocol's real endpoint.
 */
describe('telemetry: rollups, charts, correlation', () => {
  let api: TestApi;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  let ops: Client;
  let rollup: RollupService;
  let agents: Awaited<ReturnType<typeof enrolAgent>>[];
  const now = new Date();
  const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);
  const random = seeded(6);
  const value = () => ({
    temperatureC: Math.round((20 + random() * 10) * 10) / 10,
    humidityPct: random() < 0.1 ? null : Math.round((30 + random() * 40) * 10) / 10,
    smokeRaw: Math.round(200 + random() * 300),
    smokeAlarm: random() < 0.02,
  });

  beforeAll(async () => {
    api = await startTestApi();
    ids = await seedTwoHospitals(api.db);
    ops = await api.login('ops');
    agents = [await enrolAgent(ops, ids.siteA, 'pi-1'), await enrolAgent(ops, ids.siteA, 'pi-2')];
    rollup = api.app.get(RollupService);
  });
  afterAll(() => api?.close());

  /** Rollups straight from the raw rows, as the test's own reference. */
  const directAggregate = (bucket: string) =>
    api.db.query(
      `SELECT agent_id, ${bucket} AS bucket,
              MIN(temperature_c) AS tmin, MAX(temperature_c) AS tmax, COALESCE(SUM(temperature_c), 0) AS tsum, COUNT(temperature_c) AS tcount,
              MIN(humidity_pct) AS hmin, MAX(humidity_pct) AS hmax, COALESCE(SUM(humidity_pct), 0) AS hsum, COUNT(humidity_pct) AS hcount,
              MIN(smoke_raw) AS smin, MAX(smoke_raw) AS smax, COALESCE(SUM(smoke_raw), 0) AS ssum, COUNT(smoke_raw) AS scount,
              COALESCE(SUM(smoke_alarm), 0) AS alarms, COUNT(*) AS n
         FROM readings GROUP BY agent_id, ${bucket} ORDER BY agent_id, bucket`,
    );
  const stored = (table: string) =>
    api.db.query(
      `SELECT agent_id, bucket, temperature_min AS tmin, temperature_max AS tmax, temperature_sum AS tsum, temperature_count AS tcount,
              humidity_min AS hmin, humidity_max AS hmax, humidity_sum AS hsum, humidity_count AS hcount,
              smoke_min AS smin, smoke_max AS smax, smoke_sum AS ssum, smoke_count AS scount, smoke_alarm_count AS alarms, reading_count AS n
         FROM ${table} ORDER BY agent_id, bucket`,
    );
  const normalise = (rows: Array<Record<string, unknown>>) =>
    rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v == null ? null : k === 'agent_id' ? v : Number(v)])));
  const expectRollupsEqualRaw = async () => {
    expect(normalise(await stored('readings_5m'))).toEqual(normalise(await directAggregate(fiveMinuteBucket('at'))));
    expect(normalise(await stored('readings_1h'))).toEqual(normalise(await directAggregate(hourBucket('at'))));
  };

  describe('rollups', () => {
    it('equal a direct aggregate of the raw rows after ingest through the endpoint', async () => {
      // Three hours of one reading every 30 s for both agents.
      for (const a of agents) await postReadings(a.client, series(1, minutesAgo(180), 30, 360, value));
      const result = await rollup.run(new Date());
      expect(result.fiveMinute).toBe((await directAggregate(fiveMinuteBucket('at'))).length);
      expect(result.fiveMinute).toBeGreaterThanOrEqual(2 * 36);
      await expectRollupsEqualRaw();
    });

    it('stay equal when readings arrive late, out of order, resent, or days old after an outage', async () => {
      const seqs = { next: 1000 };
      // Late readings inside buckets already rolled up, sent in shuffled order.
      const late: TestReading[] = series(seqs.next, minutesAgo(170), 7, 200, value);
      for (let i = late.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [late[i], late[j]] = [late[j], late[i]];
      }
      await postReadings(agents[0].client, late.slice(0, 100));
      await postReadings(agents[0].client, late.slice(100));
      // A resend of a batch already stored changes nothing.
      await postReadings(agents[0].client, late.slice(0, 100));
      // An agent catching up after an outage: two days of readings, newest first.
      const outage = series(5000, new Date(now.getTime() - 2 * 86_400_000), 60, 2880, value).reverse();
      await postReadings(agents[1].client, outage);
      await rollup.run(new Date());
      await expectRollupsEqualRaw();
      const [{ n }] = await api.db.query('SELECT COUNT(*) AS n FROM readings');
      expect(Number(n)).toBe(720 + 200 + 2880);
    });

    it('leave buckets older than the raw retention alone (their raw rows may be partly gone)', async () => {
      const old = new Date(now.getTime() - 31 * 86_400_000);
      // Stored when they were fresh: the API refuses readings past the raw retention now.
      await storeReadings(api.db, agents[0].agentId, series(90_000, old, 60, 3, value));
      await rollup.run(new Date());
      const rows = await api.db.query('SELECT COUNT(*) AS n FROM readings_5m WHERE bucket < ?', [new Date(now.getTime() - 30 * 86_400_000)]);
      expect(Number(rows[0].n)).toBe(0);
      await api.db.query('DELETE FROM readings WHERE at < ?', [new Date(now.getTime() - 30 * 86_400_000)]);
    });
  });

  describe('chart API', () => {
    const chart = (c: Client, query: string, site = ids.siteA) => c.get(`/api/sites/${site}/environment?${query}`);
    const range = (fromMs: number, toMs = now.getTime()) => `from=${new Date(fromMs).toISOString()}&to=${new Date(toMs).toISOString()}`;

    it('uses raw readings for a few hours, with per-agent series and a site summary', async () => {
      const res = await chart(ops, range(now.getTime() - 6 * 3_600_000));
      expect(res.status).toBe(200);
      expect(res.body.resolution).toBe('raw');
      expect(res.body.agents.map((a: { name: string }) => a.name)).toEqual(['pi-1', 'pi-2']);
      const [raw] = await api.db.query('SELECT COUNT(*) AS n FROM readings WHERE agent_id = ? AND at >= ? AND temperature_c IS NOT NULL', [
        agents[0].agentId,
        new Date(now.getTime() - 6 * 3_600_000),
      ]);
      expect(res.body.agents[0].series.temperature).toHaveLength(Number(raw.n));
      const [direct] = await api.db.query(
        'SELECT MIN(temperature_c) AS mn, MAX(temperature_c) AS mx, COUNT(temperature_c) AS c FROM readings WHERE at >= ? AND at < ?',
        [new Date(now.getTime() - 6 * 3_600_000), now],
      );
      expect(res.body.summary.totals.temperature).toMatchObject({ min: Number(direct.mn), max: Number(direct.mx), count: Number(direct.c) });
      expect(res.body.thresholds).toEqual({ temperatureMaxC: 35, temperatureForMinutes: 5, humidityMaxPct: 80, humidityForMinutes: 15, smokeAlarm: true });
    });

    it("gives every agent's latest reading whatever the period, and null for an agent that never reported", async () => {
      const silent = await enrolAgent(ops, ids.siteA, 'pi-silent');
      // A period a week ago, with no readings in it: the tiles still show now's values.
      const res = await chart(ops, range(now.getTime() - 8 * 86_400_000, now.getTime() - 7 * 86_400_000));
      expect(res.body.latest.map((a: { name: string }) => a.name)).toEqual(['pi-1', 'pi-2', 'pi-silent']);
      for (const [i, a] of agents.entries()) {
        const [row] = await api.db.query(
          'SELECT at, temperature_c AS t, humidity_pct AS h, smoke_raw AS s FROM readings WHERE agent_id = ? ORDER BY at DESC, seq DESC LIMIT 1',
          [a.agentId],
        );
        expect(res.body.latest[i]).toMatchObject({
          agentId: a.agentId,
          reading: { at: row.at.toISOString(), temperatureC: row.t == null ? null : Number(row.t), humidityPct: row.h == null ? null : Number(row.h), smokeRaw: row.s == null ? null : Number(row.s) },
        });
      }
      expect(res.body.latest[2]).toEqual({ agentId: silent.agentId, name: 'pi-silent', reading: null });
      await api.db.query('DELETE FROM agents WHERE id = ?', [silent.agentId]);
    });

    it('uses 5-minute rollups for days, hourly for a month, hourly groups beyond ~83 days; never more than 2,000 points', async () => {
      const cases: Array<[number, string, number]> = [
        [3 * 86_400_000, '5m', 300],
        [7 * 86_400_000, '1h', 3600],
        [30 * 86_400_000, '1h', 3600],
        [400 * 86_400_000, '1h', 5 * 3600],
      ];
      for (const [span, resolution, bucketSeconds] of cases) {
        const res = await chart(ops, range(now.getTime() - span));
        expect(res.status).toBe(200);
        expect([res.body.resolution, res.body.bucketSeconds]).toEqual([resolution, bucketSeconds]);
        for (const a of res.body.agents) for (const m of ['temperature', 'humidity', 'smoke']) expect(a.series[m].length).toBeLessThanOrEqual(2000);
      }
      // Three days at 5 minutes: pi-2's points are its 5-minute rollups, mean = sum / count.
      const res = await chart(ops, `${range(now.getTime() - 3 * 86_400_000)}&agents=${agents[1].agentId}&metrics=temperature`);
      expect(res.body.agents).toHaveLength(1);
      expect(Object.keys(res.body.agents[0].series)).toEqual(['temperature']);
      const rows = await api.db.query(
        'SELECT bucket, temperature_sum / temperature_count AS mean, temperature_min AS mn, temperature_max AS mx FROM readings_5m WHERE agent_id = ? AND bucket >= ? AND temperature_count > 0 ORDER BY bucket',
        [agents[1].agentId, new Date(Math.floor((now.getTime() - 3 * 86_400_000) / 300_000) * 300_000)],
      );
      expect(res.body.agents[0].series.temperature).toEqual(
        rows.map((r: { bucket: Date; mean: string; mn: string; mx: string }) => [r.bucket.getTime(), Math.round(Number(r.mean) * 100) / 100, Number(r.mn), Number(r.mx)]),
      );
    });

    it('falls back to rollups when the range starts before the raw retention', async () => {
      const from = now.getTime() - 40 * 86_400_000;
      const res = await chart(ops, range(from, from + 3_600_000));
      expect(res.body.resolution).toBe('5m');
      const older = await chart(ops, range(now.getTime() - 400 * 86_400_000, now.getTime() - 399 * 86_400_000));
      expect(older.body.resolution).toBe('1h');
    });

    it('is scoped by hospital: staff of another hospital get 404, bad queries 400', async () => {
      expect((await chart(await api.login('staff-a'), range(now.getTime() - 3_600_000))).status).toBe(200);
      expect((await chart(await api.login('viewer-a'), range(now.getTime() - 3_600_000))).status).toBe(200);
      const other = await chart(await api.login('staff-b'), range(now.getTime() - 3_600_000));
      expect(other.status).toBe(404);
      expect(other.body.error.code).toBe('SITE_NOT_FOUND');
      expect((await chart(ops, 'from=yesterday')).status).toBe(400);
      expect((await chart(ops, range(now.getTime(), now.getTime() - 1000))).status).toBe(400);
      expect((await chart(ops, 'metrics=pressure')).status).toBe(400);
    });
  });

  describe('correlation', () => {
    it('lists dispatch failures per hour next to the site temperature of the same hour', async () => {
      const kiosk = (await ops.post('/api/kiosks', kioskBody(ids.siteA, 1))).body.id;
      const hour = (h: number) => new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000 - h * 3_600_000);
      const insert = (at: Date, status: string) =>
        api.db.query(
          `INSERT INTO dispatches (kiosk_id, site_id, hospital_id, action, planned_at, status, commands, verifications, created_at, updated_at)
           VALUES (?, ?, ?, 'wake', ?, ?, '[]', '[]', ?, ?)`,
          [kiosk, ids.siteA, ids.hospitalA, at, status, at, at],
        );
      await insert(new Date(hour(2).getTime() + 60_000), 'failed');
      await insert(new Date(hour(2).getTime() + 120_000), 'missed');
      await insert(new Date(hour(2).getTime() + 180_000), 'verified');
      await insert(new Date(hour(1).getTime() + 60_000), 'no_agent');
      const res = await ops.get(`/api/sites/${ids.siteA}/environment/correlation?from=${hour(3).toISOString()}&to=${now.toISOString()}`);
      expect(res.status).toBe(200);
      const byHour = Object.fromEntries(res.body.hours.map((h: { hour: string }) => [h.hour, h]));
      expect(byHour[hour(2).toISOString()]).toMatchObject({ dispatches: 3, failed: 1, missed: 1, noAgent: 0 });
      expect(byHour[hour(1).toISOString()]).toMatchObject({ dispatches: 1, noAgent: 1 });
      const [t] = await api.db.query('SELECT MAX(temperature_c) AS mx FROM readings WHERE at >= ? AND at < ?', [hour(2), hour(1)]);
      expect(byHour[hour(2).toISOString()].temperatureMax).toBe(Number(t.mx));
      expect((await (await api.login('staff-b')).get(`/api/sites/${ids.siteA}/environment/correlation`)).status).toBe(404);
    });
  });
});
