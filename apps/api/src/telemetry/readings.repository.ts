import { Injectable } from '@nestjs/common';
import { Database } from '../database/database.service';
import type { ReadingInput } from './readings-intake';
import type { RecentReading } from './threshold-rules';

export interface ReadingPartition {
  name: string;
  /** Exclusive upper bound (UTC midnight); null for the MAXVALUE partition. */
  upper: Date | null;
}

export interface RawReadingRow {
  agentId: string;
  at: Date;
  temperatureC: number | null;
  humidityPct: number | null;
  smokeRaw: number | null;
  smokeAlarm: boolean | null;
}

const num = (v: unknown) => (v == null ? null : Number(v));
const DAY = 86_400_000;
const dayString = (d: Date) => d.toISOString().slice(0, 10);
const READINGS_PER_INSERT = 1000;

/** Raw readings: what agents send in, day partitions, retention and reads. */
@Injectable()
export class ReadingsRepository {
  constructor(private readonly db: Database) {}

  /** Holds the agent's row until the transaction ends: one batch of its readings at a time. */
  async lockAgentReadings(agentId: string): Promise<void> {
    await this.db.manager.query('SELECT id FROM agents WHERE id = ? FOR UPDATE', [agentId]);
  }

  /** The readings of the agent already stored under these seqs, by seq. */
  async storedReadings(agentId: string, seqs: number[]): Promise<Map<number, ReadingInput>> {
    const found = new Map<number, ReadingInput>();
    for (let i = 0; i < seqs.length; i += READINGS_PER_INSERT) {
      const rows: Array<{ seq: number | string; at: Date; t: string | null; h: string | null; s: number | null; a: number | null }> =
        await this.db.manager.query(
          `SELECT seq, at, temperature_c AS t, humidity_pct AS h, smoke_raw AS s, smoke_alarm AS a
             FROM readings FORCE INDEX (ix_readings_agent_seq) WHERE agent_id = ? AND seq IN (?)`,
          [agentId, seqs.slice(i, i + READINGS_PER_INSERT)],
        );
      for (const r of rows) {
        found.set(Number(r.seq), {
          seq: Number(r.seq),
          at: r.at,
          temperatureC: r.t === null ? null : Number(r.t),
          humidityPct: r.h === null ? null : Number(r.h),
          smokeRaw: r.s,
          smokeAlarm: r.a === null ? null : r.a === 1,
        });
      }
    }
    return found;
  }

  /** Rows of (agent, at, seq) already present are ignored, row by row. */
  async insertReadings(agentId: string, readings: ReadingInput[], receivedAt: Date): Promise<void> {
    for (let i = 0; i < readings.length; i += READINGS_PER_INSERT) {
      const chunk = readings.slice(i, i + READINGS_PER_INSERT);
      await this.db.manager.query(
        `INSERT IGNORE INTO readings (agent_id, seq, at, temperature_c, humidity_pct, smoke_raw, smoke_alarm, received_at)
         VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        chunk.flatMap((r) => [
          agentId,
          r.seq,
          r.at,
          r.temperatureC == null ? null : r.temperatureC.toFixed(2),
          r.humidityPct == null ? null : r.humidityPct.toFixed(2),
          r.smokeRaw ?? null,
          r.smokeAlarm == null ? null : r.smokeAlarm ? 1 : 0,
          receivedAt,
        ]),
      );
    }
  }

  async highestReadingSeq(agentId: string): Promise<number> {
    const rows = await this.db.manager.query(`SELECT MAX(seq) AS seq FROM readings WHERE agent_id = ?`, [agentId]);
    return rows[0]?.seq == null ? 0 : Number(rows[0].seq);
  }

  async partitions(): Promise<ReadingPartition[]> {
    const rows: Array<{ name: string; description: string | null }> = await this.db.manager.query(
      `SELECT partition_name AS name, partition_description AS description
         FROM information_schema.partitions
        WHERE table_schema = DATABASE() AND table_name = 'readings' AND partition_name IS NOT NULL
        ORDER BY partition_ordinal_position`,
    );
    // partition_description is TO_DAYS(upper bound); TO_DAYS('1970-01-01') = 719528.
    return rows.map((r) => ({
      name: r.name,
      upper: r.description == null || r.description === 'MAXVALUE' ? null : new Date((Number(r.description) - 719528) * DAY),
    }));
  }

  /**
   * Splits the catch-all MAXVALUE partition so that every day from `from` up to
   * `until` (UTC midnights, exclusive) has its own partition. Days before `from`
   * that have none (after a long stop) share one partition.
   */
  async addDayPartitions(lastUpper: Date, from: Date, until: Date, maxName: string): Promise<string[]> {
    const defs: string[] = [];
    const names: string[] = [];
    if (from.getTime() > lastUpper.getTime()) {
      const name = `p_upto${dayString(from).replace(/-/g, '')}`;
      defs.push(`PARTITION ${name} VALUES LESS THAN (TO_DAYS('${dayString(from)}'))`);
      names.push(name);
    }
    for (let d = Math.max(from.getTime(), lastUpper.getTime()); d < until.getTime(); d += DAY) {
      const name = `p${dayString(new Date(d)).replace(/-/g, '')}`;
      defs.push(`PARTITION ${name} VALUES LESS THAN (TO_DAYS('${dayString(new Date(d + DAY))}'))`);
      names.push(name);
    }
    if (!defs.length) return [];
    await this.db.manager.query(
      `ALTER TABLE readings REORGANIZE PARTITION ${maxName} INTO (${defs.join(', ')}, PARTITION ${maxName} VALUES LESS THAN MAXVALUE)`,
    );
    return names;
  }

  async countInPartition(name: string): Promise<number> {
    const rows = await this.db.manager.query(`SELECT COUNT(*) AS n FROM readings PARTITION (${name})`);
    return Number(rows[0].n);
  }

  async dropPartition(name: string): Promise<void> {
    await this.db.manager.query(`ALTER TABLE readings DROP PARTITION ${name}`);
  }

  /** One small transaction: at most `limit` readings older than `before`. Returns how many went. */
  async deleteOlderThan(before: Date, limit: number): Promise<number> {
    const result = await this.db.manager.query(`DELETE FROM readings WHERE at < ? LIMIT ${Math.floor(limit)}`, [before]);
    return result.affectedRows ?? 0;
  }

  /** Every reading of these agents in [from, to), in time order (charts at raw resolution). Lag tolerated: on a read replica where there is one. */
  inRange(agentIds: string[], from: Date, to?: Date): Promise<RawReadingRow[]> {
    return this.db.onReadReplica(async () => {
      if (!agentIds.length) return [];
      const rows = await this.db.manager.query(
        `SELECT agent_id AS agentId, at, temperature_c AS t, humidity_pct AS h, smoke_raw AS s, smoke_alarm AS a
           FROM readings WHERE agent_id IN (?) AND at >= ? ${to ? 'AND at < ?' : ''} ORDER BY agent_id, at`,
        to ? [agentIds, from, to] : [agentIds, from],
      );
      return rows.map((r: { agentId: string; at: Date; t: unknown; h: unknown; s: unknown; a: unknown }) => ({
        agentId: r.agentId,
        at: r.at,
        temperatureC: num(r.t),
        humidityPct: num(r.h),
        smokeRaw: num(r.s),
        smokeAlarm: r.a == null ? null : Number(r.a) === 1,
      }));
    });
  }

  /**
   * Each agent's latest reading (agents that never sent one are absent). The
   * (agent_id, at) index gives each partition's newest instant without a scan.
   */
  async latestOf(agentIds: string[]): Promise<RawReadingRow[]> {
    if (agentIds.length === 0) return [];
    const rows = await this.db.manager.query(
      `SELECT r.agent_id AS agentId, r.at, r.temperature_c AS t, r.humidity_pct AS h, r.smoke_raw AS s, r.smoke_alarm AS a
         FROM readings r
         JOIN (SELECT agent_id, MAX(at) AS at FROM readings WHERE agent_id IN (?) GROUP BY agent_id) latest
           ON latest.agent_id = r.agent_id AND latest.at = r.at
        ORDER BY r.agent_id, r.seq DESC`,
      [agentIds],
    );
    const seen = new Set<string>();
    const out: RawReadingRow[] = [];
    for (const r of rows as Array<{ agentId: string; at: Date; t: unknown; h: unknown; s: unknown; a: unknown }>) {
      if (seen.has(r.agentId)) continue;
      seen.add(r.agentId);
      out.push({ agentId: r.agentId, at: r.at, temperatureC: num(r.t), humidityPct: num(r.h), smokeRaw: num(r.s), smokeAlarm: r.a == null ? null : Boolean(r.a) });
    }
    return out;
  }

  /** What the threshold rules look at: these agents' readings since `since`, grouped by agent. */
  async recentByAgent(agentIds: string[], since: Date): Promise<Map<string, RecentReading[]>> {
    const byAgent = new Map<string, RecentReading[]>();
    for (const r of await this.inRange(agentIds, since)) {
      const list = byAgent.get(r.agentId) ?? [];
      list.push({ at: r.at.getTime(), temperatureC: r.temperatureC, humidityPct: r.humidityPct, smokeRaw: r.smokeRaw, smokeAlarm: r.smokeAlarm });
      byAgent.set(r.agentId, list);
    }
    return byAgent;
  }
}
