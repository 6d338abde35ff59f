import { Injectable } from '@nestjs/common';
import { Brackets } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { Database } from '../database/database.service';
import type { Page } from '../common/validation';
import { AuditEntry } from './audit-entry.entity';

export interface AuditFilter {
  hospitalIds: string[] | 'all';
  /** Entries without a hospital (logins, users) are shown only to global roles. */
  includeUnscoped: boolean;
  entityType?: string;
  entityId?: string;
  actorId?: string;
  action?: string;
  from?: Date;
  to?: Date;
  page: number;
  pageSize: number;
}

// TypeORM's insert typing cannot express free-form JSON columns; the entity type is the real contract.
const asRow = (entry: Omit<AuditEntry, 'id'>) => entry as QueryDeepPartialEntity<AuditEntry>;

@Injectable()
export class AuditRepository {
  constructor(private readonly db: Database) {}

  /** Inside a transaction when there is one: the entry commits or rolls back with its change. */
  async insert(entry: Omit<AuditEntry, 'id'>): Promise<void> {
    await this.db.repo(AuditEntry).insert(asRow(entry));
  }

  /** Outside any transaction: for events that must stay recorded although the request fails. */
  async insertDetached(entry: Omit<AuditEntry, 'id'>): Promise<void> {
    await this.db.dataSource.getRepository(AuditEntry).insert(asRow(entry));
  }

  async getById(id: string): Promise<AuditEntry | null> {
    return this.db.repo(AuditEntry).findOneBy({ id });
  }

  /** Lag tolerated: on a read replica where there is one. */
  search(f: AuditFilter): Promise<Page<AuditEntry>> {
    return this.db.onReadReplica(async () => {
      const q = this.db.repo(AuditEntry).createQueryBuilder('a');
      if (f.hospitalIds !== 'all') {
        const ids = f.hospitalIds;
        if (ids.length === 0) q.andWhere('1 = 0');
        else q.andWhere('a.hospital_id IN (:...ids)', { ids });
      } else if (!f.includeUnscoped) {
        q.andWhere('a.hospital_id IS NOT NULL');
      }
      if (f.entityType) q.andWhere('a.entity_type = :entityType', { entityType: f.entityType });
      if (f.entityId) q.andWhere('a.entity_id = :entityId', { entityId: f.entityId });
      if (f.actorId) q.andWhere('a.actor_id = :actorId', { actorId: f.actorId });
      if (f.action) q.andWhere('a.action = :action', { action: f.action });
      if (f.from || f.to) {
        q.andWhere(
          new Brackets((b) => {
            if (f.from) b.andWhere('a.at >= :from', { from: f.from });
            if (f.to) b.andWhere('a.at < :to', { to: f.to });
          }),
        );
      }
      const [items, total] = await q
        .orderBy('a.at', 'DESC')
        .addOrderBy('a.id', 'DESC')
        .skip((f.page - 1) * f.pageSize)
        .take(f.pageSize)
        .getManyAndCount();
      return { items, total, page: f.page, pageSize: f.pageSize };
    });
  }
}
