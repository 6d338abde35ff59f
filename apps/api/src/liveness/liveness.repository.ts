import { Injectable } from '@nestjs/common';
import { Database } from '../database/database.service';

export interface KioskSighting {
  kioskId: string;
  agentId: string;
  agentName: string;
  up: boolean;
  observedAt: Date;
  /** The agent's last heartbeat: while it beats, its latest report still holds (kiosk-states.ts, lastSeenUp). */
  agentHeartbeatAt: Date | null;
}

/** One agent's latest probe of a kiosk, as the kiosk's liveness view lists it. */
export interface KioskProbeRow {
  agentId: string;
  agentName: string;
  up: boolean;
  method: string;
  latencyMs: number | null;
  observedAt: Date;
  receivedAt: Date;
}

/** What an agent saw of its site's kiosks at one instant (PROTOCOL.md "Probes"). */
export interface ProbeReport {
  observedAt: Date;
  results: Array<{ kioskId: string; up: boolean; method: string; latencyMs?: number | null }>;
}

interface SightingRow {
  kiosk_id: string;
  agent_id: string;
  agent_name: string;
  up: number;
  observed_at: Date;
  last_heartbeat_at: Date | null;
}

/** What the site's agents last saw of each kiosk (kiosk_probes) and every change of it (kiosk_liveness_changes). */
@Injectable()
export class LivenessRepository {
  constructor(private readonly db: Database) {}

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

  async recordChange(change: { kioskId: string; siteId: string; observed: 'up' | 'down' | 'unknown'; observedAt: Date }): Promise<void> {
    await this.db.manager.query(
      `INSERT INTO kiosk_liveness_changes (kiosk_id, site_id, observed, observed_at, recorded_at) VALUES (?, ?, ?, ?, ?)`,
      [change.kioskId, change.siteId, change.observed, change.observedAt, new Date()],
    );
  }

  /** Newest first. */
  async changesOfKiosk(kioskId: string, limit: number): Promise<{ observed: string; observedAt: Date }[]> {
    const rows: { observed: string; observed_at: Date }[] = await this.db.manager.query(
      `SELECT observed, observed_at FROM kiosk_liveness_changes WHERE kiosk_id = ? ORDER BY observed_at DESC, id DESC LIMIT ?`,
      [kioskId, limit],
    );
    return rows.map((r) => ({ observed: r.observed, observedAt: r.observed_at }));
  }

  async sightingsOfSite(siteId: string): Promise<KioskSighting[]> {
    const rows: SightingRow[] = await this.db.manager.query(
      `SELECT p.kiosk_id, p.agent_id, a.name AS agent_name, p.up, p.observed_at, a.last_heartbeat_at
         FROM kiosk_probes p
         JOIN kiosks k ON k.id = p.kiosk_id
         JOIN agents a ON a.id = p.agent_id
        WHERE k.site_id = ?`,
      [siteId],
    );
    return rows.map((r) => ({
      kioskId: r.kiosk_id,
      agentId: r.agent_id,
      agentName: r.agent_name,
      up: Boolean(r.up),
      observedAt: r.observed_at,
      agentHeartbeatAt: r.last_heartbeat_at,
    }));
  }
}
