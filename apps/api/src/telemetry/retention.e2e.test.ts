import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolAgent } from '../../testing/agent-kit';
import { seedTwoHospitals } from '../../testing/fixtures';
import { startTestApi, TestApi } from '../../testing/test-app';
import { ReadingsRepository } from './readings.repository';
import { RetentionService } from './retention.service';
import { series, storeReadings } from '../../testing/telemetry-kit';

/**
 * Retention on real MySQL. The clock is moved 40 days ahead so that the day
 * partitions involved are created by the partition job itself.
 */
describe('telemetry: partitions and retention', () => {
  let api: TestApi;
  let retention: RetentionService;
  let partitions: ReadingsRepository;
  const DAY = 86_400_000;
  const today = Math.floor(Date.now() / DAY) * DAY;
  const now = new Date(today + 40 * DAY + 12 * 3_600_000);
  const rawCutoff = new Date(now.getTime() - 30 * DAY);

  beforeAll(async () => {
    api = await startTestApi({ TELEMETRY_DELETE_BATCH: '100', TELEMETRY_DELETE_PAUSE_MS: '1' });
    retention = api.app.get(RetentionService);
    partitions = api.app.get(ReadingsRepository);
  });
  afterAll(() => api?.close());

  it('creates a partition per day ahead of time, and none twice', async () => {
    const added = await retention.ensurePartitions(rawCutoff);
    expect(added.length).toBeGreaterThanOrEqual(5);
    expect(await retention.ensurePartitions(rawCutoff)).toEqual([]);
    const names = (await partitions.partitions()).map((p) => p.name);
    const day = (offset: number) => `p${new Date(Math.floor(rawCutoff.getTime() / DAY) * DAY + offset * DAY).toISOString().slice(0, 10).replace(/-/g, '')}`;
    expect(names).toEqual(expect.arrayContaining([day(-1), day(0), day(1), day(2), day(3)]));
    expect(names[names.length - 1]).toBe('p_future');
  });

  it('removes exactly the readings and rollups past their age: whole partitions dropped, the rest in batches', async () => {
    const ids = await seedTwoHospitals(api.db);
    const ops = await api.login('ops');
    const pi = await enrolAgent(ops, ids.siteA, 'pi-1');
    const cutoffDay = new Date(Math.floor(rawCutoff.getTime() / DAY) * DAY);
    // 3 days before the cutoff's day (whole partitions), 250 readings earlier the same day, the cutoff itself and after.
    const readings = [
      ...series(1, new Date(cutoffDay.getTime() - 3 * DAY), 600, 144 * 3, () => ({ temperatureC: 20 })),
      ...series(10_000, new Date(rawCutoff.getTime() - 250 * 1000), 1, 250, () => ({ temperatureC: 21 })),
      ...series(20_000, rawCutoff, 60, 300, () => ({ temperatureC: 22 })),
    ];
    // The test's clock is 40 days ahead: these rows were stored when they were fresh.
    await storeReadings(api.db, pi.agentId, readings);
    // Rollups: the 5-minute ones keep a year, hourly ones forever.
    const fiveCutoff = new Date(now.getTime() - 365 * DAY);
    const rollupRow = (table: string, bucket: Date) =>
      api.db.query(`INSERT INTO ${table} (agent_id, bucket, reading_count) VALUES (?, ?, 1)`, [pi.agentId, bucket]);
    for (let i = 1; i <= 150; i++) await rollupRow('readings_5m', new Date(fiveCutoff.getTime() - i * 300_000));
    await rollupRow('readings_5m', fiveCutoff);
    await rollupRow('readings_1h', new Date(now.getTime() - 3000 * DAY));

    const report = await retention.run(now);
    expect(report.raw.rowsInDroppedPartitions + report.raw.rowsDeleted).toBe(144 * 3 + 250);
    expect(report.raw.rowsDeleted).toBeGreaterThanOrEqual(250);
    expect(report.raw.droppedPartitions.length).toBeGreaterThanOrEqual(3);
    expect(report.fiveMinute).toBe(150);
    expect(report.hourly).toBe(0);
    expect(report.batches).toBeGreaterThanOrEqual(3 + 2);
    expect(report.longestTransactionMs).toBeGreaterThan(0);

    const [left] = await api.db.query('SELECT COUNT(*) AS n, MIN(at) AS first FROM readings');
    expect(Number(left.n)).toBe(300);
    expect(new Date(left.first).getTime()).toBe(rawCutoff.getTime());
    const [five] = await api.db.query('SELECT COUNT(*) AS n, MIN(bucket) AS first FROM readings_5m');
    expect([Number(five.n), new Date(five.first).getTime()]).toEqual([1, fiveCutoff.getTime()]);
    const [hourly] = await api.db.query('SELECT COUNT(*) AS n FROM readings_1h');
    expect(Number(hourly.n)).toBe(1);

    // A second pass finds nothing left to remove; new readings still land in a partition.
    const again = await retention.run(now);
    expect([again.raw.rowsInDroppedPartitions, again.raw.rowsDeleted, again.fiveMinute]).toEqual([0, 0, 0]);
    await storeReadings(api.db, pi.agentId, series(50_000, new Date(rawCutoff.getTime() - 5 * DAY), 60, 2, () => ({ temperatureC: 23 })));
    expect((await retention.run(now)).raw.rowsDeleted).toBe(2);
  });
});
