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

interface SightingRow {
  kiosk_id: string;
  agent_id: string;
  agent_name: string;
  up: number;
  observed_at: Date;
  last_heartbeat_at: Date | null;
}

/** Reads what the site's agents last saw of each kiosk (written by the agent protocol's probes). */
@Injectable()
export class FleetRepository {
  constructor(private readonly db: Database) {}

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
