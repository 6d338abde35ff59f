import { Injectable } from '@nestjs/common';
import { Database } from '../database/database.service';
import type { OfflineActionInput, ProbeReport, ReadingInput } from './agent-protocol.dto';

const READINGS_PER_INSERT = 1000;

export interface KioskProbeRow {
  agentId: string;
  agentName: string;
  up: boolean;
  method: string;
  latencyMs: number | null;
  observedAt: Date;
  receivedAt: Date;
}

/** What agents report: kiosk probes, offline actions and environment readings. */
@Injectable()
export class AgentReportsRepository {
  constructor(private readonly db: Database) {}

  /** Of these kiosk ids, the ones that belong to the site. */
  async kioskIdsOfSite(siteId: string, kioskIds: string[]): Promise<Set<string>> {
    if (!kioskIds.length) return new Set();
    const rows: Array<{ id: string }> = await this.db.manager.query(`SELECT id FROM kiosks WHERE site_id = ? AND id IN (?)`, [
      siteId,
      [...new Set(kioskIds)],
    ]);
    return new Set(rows.map((r) => r.id));
  }

  /** One row per (kiosk, agent): an older observation never overwrites a newer one. */
  async upsertProbes(agentId: string, report: ProbeReport, receivedAt: Date): Promise<void> {
    if (!report.results.length) return;
    const newer = 'VALUES(observed_at) >= observed_at';
    await this.db.manager.query(
      `INSERT INTO kiosk_probes (kiosk_id, agent_id, up, method, latency_ms, observed_at, received_at)
       VALUES ${report.results.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}
       ON DUPLICATE KEY UPDATE
         up = IF(${newer}, VALUES(up), up),
         method = IF(${newer}, VALUES(method), method),
         latency_ms = IF(${newer}, VALUES(latency_ms), latency_ms),
         received_at = VALUES(received_at),
         observed_at = GREATEST(observed_at, VALUES(observed_at))`,
      report.results.flatMap((r) => [
        r.kioskId,
        agentId,
        r.up ? 1 : 0,
        r.method,
        r.latencyMs == null ? null : Math.round(r.latencyMs),
        report.observedAt,
        receivedAt,
      ]),
    );
  }

  /** Probes of a kiosk by the agents of its site. */
  async probesOfKiosk(kioskId: string, siteId: string): Promise<KioskProbeRow[]> {
    const rows = await this.db.manager.query(
      `SELECT p.agent_id AS agentId, a.name AS agentName, p.up, p.method, p.latency_ms AS latencyMs,
              p.observed_at AS observedAt, p.received_at AS receivedAt
         FROM kiosk_probes p JOIN agents a ON a.id = p.agent_id
        WHERE p.kiosk_id = ? AND a.site_id = ?
        ORDER BY a.name`,
      [kioskId, siteId],
    );
    return rows.map((r: Omit<KioskProbeRow, 'up'> & { up: number }) => ({ ...r, up: Number(r.up) === 1 }));
  }

  /** Resending the same actions (same agent, instant and type) stores them once. */
  async insertOfflineActions(agentId: string, actions: OfflineActionInput[], receivedAt: Date): Promise<void> {
    if (!actions.length) return;
    await this.db.manager.query(
      `INSERT IGNORE INTO agent_offline_actions (agent_id, at, type, kiosk_ids, executed_at, received_at)
       VALUES ${actions.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
      actions.flatMap((a) => [agentId, a.at, a.type, JSON.stringify(a.kioskIds), a.executedAt, receivedAt]),
    );
  }

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
}
