import { Injectable } from '@nestjs/common';
import { Database } from '../database/database.service';
import { fiveMinuteBucket, hourBucket } from './sql-buckets';

export type RollupTable = 'readings_5m' | 'readings_1h';

export interface BucketRef {
  agentId: string;
  bucket: Date;
}

export interface RollupRow {
  agentId: string;
  bucket: Date;
  temperature: MetricAggregate;
  humidity: MetricAggregate;
  smoke: MetricAggregate;
  smokeAlarmCount: number;
  readingCount: number;
}

export interface MetricAggregate {
  min: number | null;
  max: number | null;
  sum: number;
  count: number;
}

const COLUMNS = `agent_id, bucket, temperature_min, temperature_max, temperature_sum, temperature_count,
  humidity_min, humidity_max, humidity_sum, humidity_count, smoke_min, smoke_max, smoke_sum, smoke_count,
  smoke_alarm_count, reading_count`;
const UPDATE = COLUMNS.split(',')
  .map((c) => c.trim())
  .filter((c) => c !== 'agent_id' && c !== 'bucket')
  .map((c) => `${c} = VALUES(${c})`)
  .join(', ');

const n = (v: unknown) => (v == null ? null : Number(v));
const agg = (r: Record<string, unknown>, m: string): MetricAggregate => ({
  min: n(r[`${m}_min`]),
  max: n(r[`${m}_max`]),
  sum: Number(r[`${m}_sum`] ?? 0),
  count: Number(r[`${m}_count`] ?? 0),
});

/**
 * 5-minute and hourly rollups. A bucket is always recomputed whole from its
 * source (raw readings, or the 5-minute rollups of the hour), never incremented,
 * so readings that arrive late, twice or out of order give the same result.
 */
@Injectable()
export class RollupsRepository {
  constructor(private readonly db: Database) {}

  async progress(name: string): Promise<Date | null> {
    const rows = await this.db.manager.query(`SELECT position FROM telemetry_progress WHERE name = ?`, [name]);
    return rows[0]?.position ?? null;
  }

  async saveProgress(name: string, position: Date): Promise<void> {
    await this.db.manager.query(
      `INSERT INTO telemetry_progress (name, position) VALUES (?, ?) ON DUPLICATE KEY UPDATE position = VALUES(position)`,
      [name, position],
    );
  }

  /** The 5-minute buckets that readings received in [from, to) fall in, leaving out buckets starting before `notBefore`. */
  async bucketsReceived(from: Date, to: Date, notBefore: Date): Promise<BucketRef[]> {
    const rows: Array<{ agentId: string; bucket: Date }> = await this.db.manager.query(
      `SELECT DISTINCT agent_id AS agentId, ${fiveMinuteBucket('at')} AS bucket
         FROM readings WHERE received_at >= ? AND received_at < ? AND at >= ?`,
      [from, to, notBefore],
    );
    return rows;
  }

  /** Recomputes these 5-minute buckets from the raw readings. */
  async recomputeFiveMinute(buckets: BucketRef[]): Promise<void> {
    if (!buckets.length) return;
    const where = buckets.map(() => '(agent_id = ? AND at >= ? AND at < ?)').join(' OR ');
    const params = buckets.flatMap((b) => [b.agentId, b.bucket, new Date(b.bucket.getTime() + 300_000)]);
    await this.db.manager.query(
      `INSERT INTO readings_5m (${COLUMNS})
       SELECT agent_id, ${fiveMinuteBucket('at')},
              MIN(temperature_c), MAX(temperature_c), COALESCE(SUM(temperature_c), 0), COUNT(temperature_c),
              MIN(humidity_pct), MAX(humidity_pct), COALESCE(SUM(humidity_pct), 0), COUNT(humidity_pct),
              MIN(smoke_raw), MAX(smoke_raw), COALESCE(SUM(smoke_raw), 0), COUNT(smoke_raw),
              COALESCE(SUM(smoke_alarm), 0), COUNT(*)
         FROM readings WHERE ${where}
        GROUP BY agent_id, ${fiveMinuteBucket('at')}
       ON DUPLICATE KEY UPDATE ${UPDATE}`,
      params,
    );
  }

  /** Recomputes these hours (bucket = start of the hour) from their 5-minute rollups. */
  async recomputeHourly(hours: BucketRef[]): Promise<void> {
    if (!hours.length) return;
    const where = hours.map(() => '(agent_id = ? AND bucket >= ? AND bucket < ?)').join(' OR ');
    const params = hours.flatMap((b) => [b.agentId, b.bucket, new Date(b.bucket.getTime() + 3_600_000)]);
    await this.db.manager.query(
      `INSERT INTO readings_1h (${COLUMNS})
       SELECT agent_id, ${hourBucket('bucket')},
              MIN(temperature_min), MAX(temperature_max), SUM(temperature_sum), SUM(temperature_count),
              MIN(humidity_min), MAX(humidity_max), SUM(humidity_sum), SUM(humidity_count),
              MIN(smoke_min), MAX(smoke_max), SUM(smoke_sum), SUM(smoke_count),
              SUM(smoke_alarm_count), SUM(reading_count)
         FROM readings_5m WHERE ${where}
        GROUP BY agent_id, ${hourBucket('bucket')}
       ON DUPLICATE KEY UPDATE ${UPDATE}`,
      params,
    );
  }

  /** One small transaction: at most `limit` rollup rows of buckets before `before`. */
  async deleteOlderThan(table: RollupTable, before: Date, limit: number): Promise<number> {
    const result = await this.db.manager.query(`DELETE FROM ${table} WHERE bucket < ? LIMIT ${Math.floor(limit)}`, [before]);
    return result.affectedRows ?? 0;
  }

  /**
   * Rollups of these agents in [from, to), merged into buckets of `bucketSeconds`
   * (a multiple of the table's own width).
   * Lag tolerated: on a read replica where there is one.
   */
  inRange(table: RollupTable, agentIds: string[], from: Date, to: Date, bucketSeconds: number): Promise<RollupRow[]> {
    return this.db.onReadReplica(async () => {
      if (!agentIds.length) return [];
      const merged = !(table === 'readings_5m' || bucketSeconds <= 3600);
      // At the table's own width the rows are read as stored, in primary-key order;
      // only wider buckets need GROUP BY (which costs a temporary table).
      const rows = merged
        ? await this.db.manager.query(
            `SELECT agent_id, ${hourBucket('bucket', bucketSeconds / 3600)} AS bucket,
                    MIN(temperature_min) AS temperature_min, MAX(temperature_max) AS temperature_max,
                    SUM(temperature_sum) AS temperature_sum, SUM(temperature_count) AS temperature_count,
                    MIN(humidity_min) AS humidity_min, MAX(humidity_max) AS humidity_max,
                    SUM(humidity_sum) AS humidity_sum, SUM(humidity_count) AS humidity_count,
                    MIN(smoke_min) AS smoke_min, MAX(smoke_max) AS smoke_max, SUM(smoke_sum) AS smoke_sum, SUM(smoke_count) AS smoke_count,
                    SUM(smoke_alarm_count) AS smoke_alarm_count, SUM(reading_count) AS reading_count
               FROM ${table}
              WHERE agent_id IN (?) AND bucket >= ? AND bucket < ?
              GROUP BY agent_id, 2
              ORDER BY agent_id, 2`,
            [agentIds, from, to],
          )
        : await this.db.manager.query(
            `SELECT agent_id, bucket, temperature_min, temperature_max, temperature_sum, temperature_count,
                    humidity_min, humidity_max, humidity_sum, humidity_count,
                    smoke_min, smoke_max, smoke_sum, smoke_count, smoke_alarm_count, reading_count
               FROM ${table}
              WHERE agent_id IN (?) AND bucket >= ? AND bucket < ?
              ORDER BY agent_id, bucket`,
            [agentIds, from, to],
          );
      return rows.map((r: Record<string, unknown>) => ({
        agentId: r.agent_id as string,
        bucket: r.bucket as Date,
        temperature: agg(r, 'temperature'),
        humidity: agg(r, 'humidity'),
        smoke: agg(r, 'smoke'),
        smokeAlarmCount: Number(r.smoke_alarm_count ?? 0),
        readingCount: Number(r.reading_count ?? 0),
      }));
    });
  }

  /** When each agent's sensors last gave a value according to the 5-minute rollups since `since` (end of that bucket). */
  async lastSeenByAgent(agentIds: string[], since: Date): Promise<Map<string, { dht11: number | null; mq2: number | null }>> {
    const out = new Map<string, { dht11: number | null; mq2: number | null }>();
    if (!agentIds.length) return out;
    const rows: Array<{ agentId: string; dht: Date | null; mq: Date | null }> = await this.db.manager.query(
      `SELECT agent_id AS agentId,
              MAX(CASE WHEN temperature_count + humidity_count > 0 THEN bucket END) AS dht,
              MAX(CASE WHEN smoke_count > 0 THEN bucket END) AS mq
         FROM readings_5m WHERE agent_id IN (?) AND bucket >= ? GROUP BY agent_id`,
      [agentIds, since],
    );
    for (const r of rows) out.set(r.agentId, { dht11: r.dht ? r.dht.getTime() : null, mq2: r.mq ? r.mq.getTime() : null });
    return out;
  }

  /** Site temperature per hour: min, max and mean over the site's agents. Lag tolerated: on a read replica where there is one. */
  siteTemperatureByHour(agentIds: string[], from: Date, to: Date): Promise<Array<{ hour: Date; min: number | null; max: number | null; mean: number | null }>> {
    return this.db.onReadReplica(async () => {
      if (!agentIds.length) return [];
      const rows = await this.db.manager.query(
        `SELECT bucket AS hour, MIN(temperature_min) AS mn, MAX(temperature_max) AS mx, SUM(temperature_sum) AS s, SUM(temperature_count) AS c
           FROM readings_1h WHERE agent_id IN (?) AND bucket >= ? AND bucket < ? GROUP BY bucket ORDER BY bucket`,
        [agentIds, from, to],
      );
      return rows.map((r: { hour: Date; mn: unknown; mx: unknown; s: unknown; c: unknown }) => ({
        hour: r.hour,
        min: n(r.mn),
        max: n(r.mx),
        mean: Number(r.c) > 0 ? Math.round((Number(r.s) / Number(r.c)) * 100) / 100 : null,
      }));
    });
  }
}
