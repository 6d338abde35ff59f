import { Injectable } from '@nestjs/common';
import { IsNull, Not } from 'typeorm';
import { Database } from '../database/database.service';
import type { Page } from '../common/validation';
import { Agent } from './agent.entity';

@Injectable()
export class AgentsRepository {
  constructor(private readonly db: Database) {}

  getById(id: string): Promise<Agent | null> {
    return this.db.repo(Agent).findOneBy({ id });
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

  /** Agents of a site holding a valid token: the ones commands can be sent to. */
  getEnrolledBySite(siteId: string): Promise<Agent[]> {
    return this.db.repo(Agent).find({ where: { siteId, tokenHash: Not(IsNull()), tokenRevokedAt: IsNull() }, order: { name: 'ASC' } });
  }

  async recordHeartbeat(
    id: string,
    beat: { at: Date; version: string; uptimeS: number; clockSkewMs: number; bufferedCount: number },
  ): Promise<void> {
    await this.db.repo(Agent).update(
      { id },
      {
        lastHeartbeatAt: beat.at,
        version: beat.version,
        uptimeS: beat.uptimeS,
        clockSkewMs: beat.clockSkewMs,
        bufferedCount: beat.bufferedCount,
        updatedAt: beat.at,
      },
    );
  }

  save(agent: Agent): Promise<Agent> {
    return this.db.repo(Agent).save(agent);
  }

  async delete(id: string): Promise<void> {
    await this.db.repo(Agent).delete({ id });
  }

  async search(f: { hospitalIds: string[] | 'all'; siteId?: string; page: number; pageSize: number }): Promise<Page<Agent>> {
    const q = this.db.repo(Agent).createQueryBuilder('a');
    if (f.hospitalIds !== 'all') {
      if (!f.hospitalIds.length) return { items: [], total: 0, page: f.page, pageSize: f.pageSize };
      q.andWhere('a.site_id IN (SELECT s.id FROM sites s WHERE s.hospital_id IN (:...ids))', { ids: f.hospitalIds });
    }
    if (f.siteId) q.andWhere('a.site_id = :siteId', { siteId: f.siteId });
    const [items, total] = await q.orderBy('a.name').skip((f.page - 1) * f.pageSize).take(f.pageSize).getManyAndCount();
    return { items, total, page: f.page, pageSize: f.pageSize };
  }
}
