import { Injectable } from '@nestjs/common';
import type { KioskRef } from '@wakeward/scheduler';
import { Database } from '../database/database.service';

/** Hospitals as the access rules name them: 'all', or the ids a user is scoped to. */
export type HospitalScope = string[] | 'all';

export interface OverviewHospital {
  id: string;
  code: string;
  name: string;
}

export interface OverviewSite {
  id: string;
  hospitalId: string;
  name: string;
  timeZone: string;
}

export interface SiteTemperature {
  siteId: string;
  agentName: string;
  celsius: number;
  at: Date;
}

/**
 * Fleet-wide reads for the cross-site overview: one aggregate query per table for
 * every site a user may see, never one query per site. Counting only: what each
 * row means stays with its domain (agents' online rule, alerts' statuses).
 */
@Injectable()
export class FleetOverviewRepository {
  constructor(private readonly db: Database) {}

  async hospitals(scope: HospitalScope): Promise<OverviewHospital[]> {
    if (scope !== 'all' && !scope.length) return [];
    return this.db.manager.query(
      `SELECT id, code, name FROM hospitals ${scope === 'all' ? '' : 'WHERE id IN (?)'} ORDER BY name, id`,
      scope === 'all' ? [] : [scope],
    );
  }

  async sites(scope: HospitalScope): Promise<OverviewSite[]> {
    if (scope !== 'all' && !scope.length) return [];
    return this.db.manager.query(
      `SELECT id, hospital_id AS hospitalId, name, time_zone AS timeZone
         FROM sites ${scope === 'all' ? '' : 'WHERE hospital_id IN (?)'} ORDER BY name, id`,
      scope === 'all' ? [] : [scope],
    );
  }

  /** Every kiosk of these hospitals as the scheduler needs it (its site's zone). */
  async kioskRefs(scope: HospitalScope): Promise<KioskRef[]> {
    if (scope !== 'all' && !scope.length) return [];
    return this.db.manager.query(
      `SELECT k.id, k.site_id AS siteId, k.hospital_id AS hospitalId, s.time_zone AS timeZone
         FROM kiosks k JOIN sites s ON s.id = k.site_id
        ${scope === 'all' ? '' : 'WHERE k.hospital_id IN (?)'}`,
      scope === 'all' ? [] : [scope],
    );
  }

  /** Per site: its agents holding an unrevoked registration, and those that beat after `onlineSince`. */
  async agentPresence(scope: HospitalScope, onlineSince: Date): Promise<Map<string, { online: number; total: number }>> {
    if (scope !== 'all' && !scope.length) return new Map();
    const rows: Array<{ siteId: string; total: number | string; online: number | string | null }> = await this.db.manager.query(
      `SELECT a.site_id AS siteId, COUNT(*) AS total, SUM(a.last_heartbeat_at > ?) AS online
         FROM agents a JOIN sites s ON s.id = a.site_id
        WHERE a.token_revoked_at IS NULL ${scope === 'all' ? '' : 'AND s.hospital_id IN (?)'}
        GROUP BY a.site_id`,
      scope === 'all' ? [onlineSince] : [onlineSince, scope],
    );
    return new Map(rows.map((r) => [r.siteId, { online: Number(r.online ?? 0), total: Number(r.total) }]));
  }

  /** Per site: alerts with status open (acknowledged ones have someone on them). */
  async openAlertsBySite(scope: HospitalScope): Promise<Map<string, number>> {
    if (scope !== 'all' && !scope.length) return new Map();
    const rows: Array<{ siteId: string; n: number | string }> = await this.db.manager.query(
      `SELECT site_id AS siteId, COUNT(*) AS n FROM alerts
        WHERE status = 'open' AND site_id IS NOT NULL ${scope === 'all' ? '' : 'AND hospital_id IN (?)'}
        GROUP BY site_id`,
      scope === 'all' ? [] : [scope],
    );
    return new Map(rows.map((r) => [r.siteId, Number(r.n)]));
  }

  /**
   * Each agent's latest temperature reading since `since` (raw readings: the newest
   * day partitions only), with its site. Agents whose sensor sent nothing since are left out.
   */
  async latestTemperatures(scope: HospitalScope, since: Date): Promise<SiteTemperature[]> {
    if (scope !== 'all' && !scope.length) return [];
    const rows: Array<{ siteId: string; agentName: string; celsius: string | number; at: Date }> = await this.db.manager.query(
      `SELECT a.site_id AS siteId, a.name AS agentName, MAX(r.temperature_c) AS celsius, r.at
         FROM (SELECT agent_id, MAX(at) AS at FROM readings
                WHERE at >= ? AND temperature_c IS NOT NULL GROUP BY agent_id) latest
         JOIN readings r ON r.agent_id = latest.agent_id AND r.at = latest.at AND r.temperature_c IS NOT NULL
         JOIN agents a ON a.id = r.agent_id
         JOIN sites s ON s.id = a.site_id
        ${scope === 'all' ? '' : 'WHERE s.hospital_id IN (?)'}
        GROUP BY a.id, a.site_id, a.name, r.at`,
      scope === 'all' ? [since] : [since, scope],
    );
    return rows.map((r) => ({ siteId: r.siteId, agentName: r.agentName, celsius: Number(r.celsius), at: r.at }));
  }
}
