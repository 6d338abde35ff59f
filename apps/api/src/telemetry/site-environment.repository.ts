import { Injectable } from '@nestjs/common';
import { Database } from '../database/database.service';
import { hourBucket } from './sql-buckets';
import type { Thresholds } from './threshold-rules';

export interface EnvironmentAgent {
  id: string;
  name: string;
  siteId: string;
  hospitalId: string;
}

export interface EnvironmentAlert {
  id: string;
  kind: string;
  status: string;
  agentId: string | null;
  message: string;
  openedAt: Date;
  resolvedAt: Date | null;
}

/** What telemetry needs to know about sites: their agents, thresholds, environment alerts and dispatch failures. */
@Injectable()
export class SiteEnvironmentRepository {
  constructor(private readonly db: Database) {}

  /** Agents with a valid token, optionally of one site, in name order. */
  async activeAgents(siteId?: string): Promise<EnvironmentAgent[]> {
    return this.db.manager.query(
      `SELECT a.id, a.name, a.site_id AS siteId, s.hospital_id AS hospitalId
         FROM agents a JOIN sites s ON s.id = a.site_id
        WHERE a.token_revoked_at IS NULL ${siteId ? 'AND a.site_id = ?' : ''}
        ORDER BY a.site_id, a.name`,
      siteId ? [siteId] : [],
    );
  }

  /** Every agent of the site, revoked ones too (their history stays on the chart). */
  async agentsOfSite(siteId: string): Promise<Array<{ id: string; name: string }>> {
    return this.db.manager.query(`SELECT id, name FROM agents WHERE site_id = ? ORDER BY name`, [siteId]);
  }

  /** A site's stored thresholds (partial: defaults fill the rest), or null. */
  async thresholds(siteId: string): Promise<Partial<Thresholds> | null> {
    const rows = await this.db.manager.query(`SELECT settings FROM site_thresholds WHERE site_id = ?`, [siteId]);
    if (!rows.length) return null;
    return typeof rows[0].settings === 'string' ? JSON.parse(rows[0].settings) : rows[0].settings;
  }

  async thresholdsOfSites(siteIds: string[]): Promise<Map<string, Partial<Thresholds>>> {
    const out = new Map<string, Partial<Thresholds>>();
    if (!siteIds.length) return out;
    const rows = await this.db.manager.query(`SELECT site_id AS siteId, settings FROM site_thresholds WHERE site_id IN (?)`, [siteIds]);
    for (const r of rows) out.set(r.siteId, typeof r.settings === 'string' ? JSON.parse(r.settings) : r.settings);
    return out;
  }

  async saveThresholds(siteId: string, settings: Thresholds, now: Date): Promise<void> {
    await this.db.manager.query(
      `INSERT INTO site_thresholds (site_id, settings, updated_at) VALUES (?, ?, ?)
       ON DUPLICATE KEY UPDATE settings = VALUES(settings), updated_at = VALUES(updated_at)`,
      [siteId, JSON.stringify(settings), now],
    );
  }

  /** Open keys of the not yet resolved environment alerts of these sites. */
  async openEnvironmentAlertKeys(siteIds: string[]): Promise<Set<string>> {
    if (!siteIds.length) return new Set();
    const rows: Array<{ k: string }> = await this.db.manager.query(
      `SELECT open_key AS k FROM alerts WHERE site_id IN (?) AND open_key LIKE 'env:%'`,
      [siteIds],
    );
    return new Set(rows.map((r) => r.k));
  }

  /** Environment alerts of the site that were open at some time in [from, to). Lag tolerated: on a read replica where there is one. */
  environmentAlerts(siteId: string, from: Date, to: Date): Promise<EnvironmentAlert[]> {
    return this.db.onReadReplica(async () => {
      const rows = await this.db.manager.query(
        `SELECT id, kind, status, agent_id AS agentId, message, opened_at AS openedAt, resolved_at AS resolvedAt
           FROM alerts
          WHERE site_id = ? AND kind IN ('temperature_high', 'humidity_high', 'smoke', 'sensor_silent')
            AND opened_at < ? AND (resolved_at IS NULL OR resolved_at >= ?)
          ORDER BY opened_at LIMIT 1000`,
        [siteId, to, from],
      );
      return rows.map((r: EnvironmentAlert) => ({ ...r, id: String(r.id) }));
    });
  }

  /** The site's dispatches per hour of their planned instant: all, and failed / missed / without agent. Lag tolerated: on a read replica where there is one. */
  dispatchOutcomesByHour(siteId: string, from: Date, to: Date) {
    return this.db.onReadReplica(async () => {
      const rows = await this.db.manager.query(
        `SELECT ${hourBucket('planned_at')} AS hour, COUNT(*) AS total,
                SUM(status = 'failed') AS failed, SUM(status = 'missed') AS missed, SUM(status = 'no_agent') AS noAgent
           FROM dispatches WHERE site_id = ? AND planned_at >= ? AND planned_at < ?
          GROUP BY ${hourBucket('planned_at')} ORDER BY hour`,
        [siteId, from, to],
      );
      return rows.map((r: Record<string, unknown>) => ({
        hour: r.hour as Date,
        total: Number(r.total),
        failed: Number(r.failed ?? 0),
        missed: Number(r.missed ?? 0),
        noAgent: Number(r.noAgent ?? 0),
      }));
    });
  }
}
