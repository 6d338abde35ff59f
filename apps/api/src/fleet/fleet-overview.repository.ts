import { Injectable } from '@nestjs/common';
import { Database } from '../database/database.service';
import type { ManualCommand } from '../schedule/expected-state';

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

  /**
   * Each kiosk's latest wake / shutdown now in these sites: it holds until the
   * schedule's next transition (expected-state.ts). By site, for the index on
   * (site_id, source, kiosk_id, planned_at).
   */
  async latestManualCommands(siteIds: string[]): Promise<Map<string, ManualCommand>> {
    if (!siteIds.length) return new Map();
    const rows: { kioskId: string; action: 'wake' | 'shutdown'; at: Date; requestedBy: string | null }[] = await this.db.manager.query(
      `SELECT d.kiosk_id AS kioskId, d.action, d.planned_at AS at, d.requested_by AS requestedBy
         FROM dispatches d
         JOIN (SELECT kiosk_id, MAX(planned_at) AS at FROM dispatches
                WHERE site_id IN (?) AND source = 'manual' GROUP BY kiosk_id) m
           ON m.kiosk_id = d.kiosk_id AND m.at = d.planned_at
        WHERE d.source = 'manual'`,
      [siteIds],
    );
    return new Map(rows.map((r) => [r.kioskId, { action: r.action, at: r.at, requestedBy: r.requestedBy }]));
  }

  /** Every kiosk of these hospitals: id, site and hospital (the zone is its site's). */
  async kiosks(scope: HospitalScope): Promise<Array<{ id: string; siteId: string; hospitalId: string }>> {
    if (scope !== 'all' && !scope.length) return [];
    return this.db.manager.query(
      `SELECT id, site_id AS siteId, hospital_id AS hospitalId FROM kiosks ${scope === 'all' ? '' : 'WHERE hospital_id IN (?)'}`,
      scope === 'all' ? [] : [scope],
    );
  }

  /**
   * Per kiosk of these hospitals with sightings since `since`: whether any of them
   * said up, and the newest. For observedState that one sighting says what all the
   * fresh ones say (up if any is); older ones make a kiosk unknown, so they are not
   * read. One row per kiosk, not per agent: mysql2's parsing is much of the cost.
   * (A LEFT JOIN of this onto the kiosks was slower in MariaDB 10.11 than two queries.)
   */
  async freshSightings(scope: HospitalScope, since: Date): Promise<Map<string, [{ up: boolean; observedAt: Date }]>> {
    if (scope !== 'all' && !scope.length) return new Map();
    const rows: Array<{ kioskId: string; up: number | string; observedAt: Date }> = await this.db.manager.query(
      `SELECT p.kiosk_id AS kioskId, MAX(p.up) AS up, MAX(p.observed_at) AS observedAt
         FROM kiosk_probes p
         ${scope === 'all' ? '' : 'JOIN kiosks k ON k.id = p.kiosk_id AND k.hospital_id IN (?)'}
        WHERE p.observed_at >= ?
        GROUP BY p.kiosk_id`,
      scope === 'all' ? [since] : [scope, since],
    );
    return new Map(rows.map((r) => [r.kioskId, [{ up: Number(r.up) === 1, observedAt: r.observedAt }]]));
  }

  /**
   * Per site: its enrolled agents (a token, not revoked), and those that beat after
   * `onlineSince`. An agent registered but not enrolled yet (a Pi still in its box) is
   * not expected online, so it is not counted as missing.
   */
  async agentPresence(scope: HospitalScope, onlineSince: Date): Promise<Map<string, { online: number; total: number }>> {
    if (scope !== 'all' && !scope.length) return new Map();
    const rows: Array<{ siteId: string; total: number | string; online: number | string | null }> = await this.db.manager.query(
      `SELECT a.site_id AS siteId, COUNT(*) AS total, SUM(a.last_heartbeat_at > ?) AS online
         FROM agents a JOIN sites s ON s.id = a.site_id
        WHERE a.token_hash IS NOT NULL AND a.token_revoked_at IS NULL ${scope === 'all' ? '' : 'AND s.hospital_id IN (?)'}
        GROUP BY a.site_id`,
      scope === 'all' ? [onlineSince] : [onlineSince, scope],
    );
    return new Map(rows.map((r) => [r.siteId, { online: Number(r.online ?? 0), total: Number(r.total) }]));
  }

  /** Per site: alerts with status open (acknowledged ones have someone on them); ix_alerts_status_site. */
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
   * Each agent's latest temperature reading since `since`, with its site: per agent,
   * a backward walk of its primary key (agent_id, at) that stops at the first reading
   * with a temperature, so the cost does not grow with the readings kept. Agents
   * whose sensor sent nothing since, and revoked ones, are left out.
   */
  async latestTemperatures(scope: HospitalScope, since: Date): Promise<SiteTemperature[]> {
    if (scope !== 'all' && !scope.length) return [];
    const latest = (column: string) =>
      `(SELECT r.${column} FROM readings r
         WHERE r.agent_id = a.id AND r.at >= ? AND r.temperature_c IS NOT NULL
         ORDER BY r.at DESC, r.seq DESC LIMIT 1)`;
    const rows: Array<{ siteId: string; agentName: string; celsius: string | number | null; at: Date | null }> = await this.db.manager.query(
      `SELECT a.site_id AS siteId, a.name AS agentName, ${latest('temperature_c')} AS celsius, ${latest('at')} AS at
         FROM agents a JOIN sites s ON s.id = a.site_id
        WHERE a.token_hash IS NOT NULL AND a.token_revoked_at IS NULL ${scope === 'all' ? '' : 'AND s.hospital_id IN (?)'}`,
      scope === 'all' ? [since, since] : [since, since, scope],
    );
    return rows
      .filter((r) => r.celsius !== null && r.at !== null)
      .map((r) => ({ siteId: r.siteId, agentName: r.agentName, celsius: Number(r.celsius), at: r.at! }));
  }
}
