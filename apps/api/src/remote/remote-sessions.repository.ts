import { Injectable } from '@nestjs/common';
import { Database } from '../database/database.service';
import type { RemoteRoute } from './remote-route';

export interface RemoteSessionStart {
  id: string;
  hospitalId: string;
  siteId: string;
  kioskId: string;
  kioskCode: string;
  userId: string;
  username: string;
  route: RemoteRoute;
  agentId: string | null;
  target: string;
  controlAllowed: boolean;
  startedAt: Date;
}

export interface RemoteSessionEnd {
  endedAt: Date;
  bytesToViewer: number;
  bytesFromViewer: number;
  controlUsed: boolean;
  endReason: string;
}

export interface RemoteSessionRow extends RemoteSessionStart, Partial<RemoteSessionEnd> {}

/** Screen sessions (the audit detail of each) and each site's route to its kiosks' screens. */
@Injectable()
export class RemoteSessionsRepository {
  constructor(private readonly db: Database) {}

  async routeOfSite(siteId: string): Promise<RemoteRoute | null> {
    const rows: { remote_route: RemoteRoute }[] = await this.db.manager.query('SELECT remote_route FROM sites WHERE id = ?', [siteId]);
    return rows[0]?.remote_route ?? null;
  }

  async setRouteOfSite(siteId: string, route: RemoteRoute): Promise<void> {
    await this.db.manager.query('UPDATE sites SET remote_route = ?, updated_at = ? WHERE id = ?', [route, new Date(), siteId]);
  }

  async insertStarted(s: RemoteSessionStart): Promise<void> {
    await this.db.manager.query(
      `INSERT INTO remote_sessions (id, hospital_id, site_id, kiosk_id, kiosk_code, user_id, username, route, agent_id, target, control_allowed, started_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [s.id, s.hospitalId, s.siteId, s.kioskId, s.kioskCode, s.userId, s.username, s.route, s.agentId, s.target, s.controlAllowed ? 1 : 0, s.startedAt],
    );
  }

  async markControlUsed(id: string): Promise<void> {
    await this.db.manager.query('UPDATE remote_sessions SET control_used = 1 WHERE id = ?', [id]);
  }

  async markEnded(id: string, e: RemoteSessionEnd): Promise<void> {
    await this.db.manager.query(
      `UPDATE remote_sessions SET ended_at = ?, bytes_to_viewer = ?, bytes_from_viewer = ?, control_used = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL`,
      [e.endedAt, e.bytesToViewer, e.bytesFromViewer, e.controlUsed ? 1 : 0, e.endReason.slice(0, 64), id],
    );
  }

  /** Newest first; hospitalIds 'all' or the hospitals the caller may see. */
  async search(f: { hospitalIds: string[] | 'all'; kioskId?: string; siteId?: string; limit: number }): Promise<RemoteSessionRow[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.hospitalIds !== 'all') {
      if (!f.hospitalIds.length) return [];
      where.push(`hospital_id IN (${f.hospitalIds.map(() => '?').join(',')})`);
      args.push(...f.hospitalIds);
    }
    if (f.kioskId) {
      where.push('kiosk_id = ?');
      args.push(f.kioskId);
    }
    if (f.siteId) {
      where.push('site_id = ?');
      args.push(f.siteId);
    }
    const rows: Record<string, any>[] = await this.db.manager.query(
      `SELECT * FROM remote_sessions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC LIMIT ${Math.floor(f.limit)}`,
      args,
    );
    return rows.map((r) => ({
      id: r.id,
      hospitalId: r.hospital_id,
      siteId: r.site_id,
      kioskId: r.kiosk_id,
      kioskCode: r.kiosk_code,
      userId: r.user_id,
      username: r.username,
      route: r.route,
      agentId: r.agent_id,
      target: r.target,
      controlAllowed: !!r.control_allowed,
      controlUsed: !!r.control_used,
      startedAt: r.started_at,
      endedAt: r.ended_at ?? undefined,
      bytesToViewer: Number(r.bytes_to_viewer),
      bytesFromViewer: Number(r.bytes_from_viewer),
      endReason: r.end_reason ?? undefined,
    }));
  }
}
