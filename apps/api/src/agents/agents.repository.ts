import { Injectable } from '@nestjs/common';
import { In, IsNull, LessThan, Not } from 'typeorm';
import { idsOfRowsNamedLike, namesOfRows, type RowNaming } from '../common/sql';
import { Database } from '../database/database.service';
import type { Page } from '../common/validation';
import { Agent } from './agent.entity';

/** What a heartbeat stores about its agent. */
export interface HeartbeatRecord {
  agentId: string;
  at: Date;
  version: string;
  uptimeS: number;
  clockSkewMs: number;
  bufferedCount: number;
}

/** How people know an agent: by its name, in the hospital of its site. */
const AGENT_NAMING: RowNaming = { from: 'agents e JOIN sites s ON s.id = e.site_id', name: 'e.name', hospital: 's.hospital_id' };

@Injectable()
export class AgentsRepository {
  constructor(private readonly db: Database) {}

  /** Current names of these agents within the hospitals, for the audit log. */
  namesByIds(ids: string[], hospitalIds: string[] | 'all'): Promise<Array<{ id: string; name: string }>> {
    return namesOfRows(this.db.manager, AGENT_NAMING, ids, hospitalIds);
  }

  /** Ids of the agents within the hospitals whose name contains the text, for the audit log's search. */
  idsNamedLike(text: string, hospitalIds: string[] | 'all', limit: number): Promise<string[]> {
    return idsOfRowsNamedLike(this.db.manager, AGENT_NAMING, text, hospitalIds, limit);
  }

  getById(id: string): Promise<Agent | null> {
    return this.db.repo(Agent).findOneBy({ id });
  }

  getByIds(ids: string[]): Promise<Agent[]> {
    return ids.length ? this.db.repo(Agent).findBy({ id: In(ids) }) : Promise.resolve([]);
  }

  getBySite(siteId: string): Promise<Agent[]> {
    return this.db.repo(Agent).find({ where: { siteId }, order: { name: 'ASC' } });
  }

  getBySiteAndName(siteId: string, name: string): Promise<Agent | null> {
    return this.db.repo(Agent).findOneBy({ siteId, name });
  }

  /** The agent whose current, unrevoked token hashes to this value. */
  getByActiveTokenHash(tokenHash: string): Promise<Agent | null> {
    return this.db.repo(Agent).findOneBy({ tokenHash, tokenRevokedAt: IsNull() });
  }

  /**
   * A request refused for a token that was this agent's (revoked, or the one before
   * its current token): counted, so the console can say "token refused, re-enrol".
   * Tokens nobody ever held match no row and change nothing.
   */
  async recordRefusedToken(tokenHash: string, at: Date): Promise<void> {
    await this.db.dataSource.query(
      `UPDATE agents SET token_refusals = token_refusals + 1, token_refused_since = COALESCE(token_refused_since, ?), token_last_refused_at = ?
        WHERE (token_hash = ? AND token_revoked_at IS NOT NULL) OR previous_token_hash = ?`,
      [at, at, tokenHash, tokenHash],
    );
  }

  /** Agents of a site holding a valid token: the ones commands can be sent to. */
  getEnrolledBySite(siteId: string): Promise<Agent[]> {
    return this.db.repo(Agent).find({ where: { siteId, tokenHash: Not(IsNull()), tokenRevokedAt: IsNull() }, order: { name: 'ASC' } });
  }

  /** Enrolled agents (valid token) whose last heartbeat is older than `before`: the offline ones. */
  getEnrolledSilentSince(before: Date): Promise<Agent[]> {
    return this.db.repo(Agent).find({ where: { tokenHash: Not(IsNull()), tokenRevokedAt: IsNull(), lastHeartbeatAt: LessThan(before) } });
  }

  /**
   * Stores many agents' heartbeats with one statement (HeartbeatRecorder batches
   * them). Always outside the caller's transaction: a batch holds other requests' beats.
   */
  async recordHeartbeats(beats: HeartbeatRecord[]): Promise<void> {
    if (!beats.length) return;
    const rows = beats.map(() => 'SELECT ? AS id, ? AS at, ? AS version, ? AS uptime_s, ? AS clock_skew_ms, ? AS buffered_count');
    await this.db.dataSource.query(
      `UPDATE agents a JOIN (${rows.join(' UNION ALL ')}) b ON a.id = b.id
       SET a.last_heartbeat_at = b.at, a.version = b.version, a.uptime_s = b.uptime_s,
           a.clock_skew_ms = b.clock_skew_ms, a.buffered_count = b.buffered_count, a.updated_at = b.at`,
      beats.flatMap((b) => [b.agentId, b.at, b.version, b.uptimeS, b.clockSkewMs, b.bufferedCount]),
    );
  }

  save(agent: Agent): Promise<Agent> {
    return this.db.repo(Agent).save(agent);
  }

  async delete(id: string): Promise<void> {
    await this.db.repo(Agent).delete({ id });
  }

  /** Lag tolerated: on a read replica where there is one. */
  search(f: { hospitalIds: string[] | 'all'; siteId?: string; page: number; pageSize: number }): Promise<Page<Agent>> {
    return this.db.onReadReplica(async () => {
      const q = this.db.repo(Agent).createQueryBuilder('a');
      if (f.hospitalIds !== 'all') {
        if (!f.hospitalIds.length) return { items: [], total: 0, page: f.page, pageSize: f.pageSize };
        q.andWhere('a.site_id IN (SELECT s.id FROM sites s WHERE s.hospital_id IN (:...ids))', { ids: f.hospitalIds });
      }
      if (f.siteId) q.andWhere('a.site_id = :siteId', { siteId: f.siteId });
      const [items, total] = await q.orderBy('a.name').skip((f.page - 1) * f.pageSize).take(f.pageSize).getManyAndCount();
      return { items, total, page: f.page, pageSize: f.pageSize };
    });
  }
}
