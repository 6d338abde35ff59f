import { Injectable } from '@nestjs/common';
import { Database } from '../database/database.service';

/** A wake or shutdown an agent performed from its cached plan while it could not reach the API. */
export interface OfflineAction {
  at: Date;
  type: 'wake' | 'shutdown';
  kioskIds: string[];
  executedAt: Date;
}

/** One agent's report of an action, with the agent's name. */
export interface ReportedOfflineAction extends OfflineAction {
  agentId: string;
  agentName: string;
  receivedAt: Date;
}

/** Which reported actions to read: a site's, optionally those naming one kiosk, in [from, to). */
export interface OfflineActionsFilter {
  siteId: string;
  kioskId?: string;
  from?: Date;
  to?: Date;
  /** At most this many distinct (instant, action): all the agents' reports of each come with it. */
  limit: number;
}

/** agent_offline_actions: what agents did on their own, as they reported it. */
@Injectable()
export class OfflineActionsRepository {
  constructor(private readonly db: Database) {}

  /** Resending the same actions (same agent, instant and type) stores them once. */
  /** How many were new: a report sent again stores nothing. */
  async insert(agentId: string, actions: OfflineAction[], receivedAt: Date): Promise<number> {
    if (!actions.length) return 0;
    const result: { affectedRows?: number } = await this.db.manager.query(
      `INSERT IGNORE INTO agent_offline_actions (agent_id, at, type, kiosk_ids, executed_at, received_at)
       VALUES ${actions.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
      actions.flatMap((a) => [agentId, a.at, a.type, JSON.stringify(a.kioskIds), a.executedAt, receivedAt]),
    );
    return result.affectedRows ?? 0;
  }

  /**
   * The reports of the latest (instant, action) pairs of the site's agents, newest
   * first. An agent no longer enrolled at the site takes its reports with it: the
   * table names agents, not sites.
   */
  async search(f: OfflineActionsFilter): Promise<ReportedOfflineAction[]> {
    const where = ['a.site_id = ?'];
    const params: unknown[] = [f.siteId];
    if (f.kioskId) {
      where.push('JSON_CONTAINS(o.kiosk_ids, JSON_QUOTE(?))');
      params.push(f.kioskId);
    }
    if (f.from) {
      where.push('o.at >= ?');
      params.push(f.from);
    }
    if (f.to) {
      where.push('o.at < ?');
      params.push(f.to);
    }
    const rows: Array<{ agent_id: string; agent_name: string; at: Date; type: 'wake' | 'shutdown'; kiosk_ids: string | string[]; executed_at: Date; received_at: Date }> =
      await this.db.manager.query(
        `SELECT o.agent_id, a.name AS agent_name, o.at, o.type, o.kiosk_ids, o.executed_at, o.received_at
           FROM agent_offline_actions o
           JOIN agents a ON a.id = o.agent_id
           JOIN (SELECT o.at, o.type FROM agent_offline_actions o JOIN agents a ON a.id = o.agent_id
                  WHERE ${where.join(' AND ')} GROUP BY o.at, o.type ORDER BY o.at DESC, o.type LIMIT ?) latest
             ON latest.at = o.at AND latest.type = o.type
          WHERE ${where.join(' AND ')}
          ORDER BY o.at DESC, o.type, a.name`,
        [...params, f.limit, ...params],
      );
    return rows.map((r) => ({
      agentId: r.agent_id,
      agentName: r.agent_name,
      at: r.at,
      type: r.type,
      kioskIds: typeof r.kiosk_ids === 'string' ? JSON.parse(r.kiosk_ids) : r.kiosk_ids,
      executedAt: r.executed_at,
      receivedAt: r.received_at,
    }));
  }
}
