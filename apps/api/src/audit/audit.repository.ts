import { Injectable } from '@nestjs/common';
import { Brackets } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { Database } from '../database/database.service';
import { escapeLike } from '../common/sql';
import type { Page } from '../common/validation';
import { AuditEntry } from './audit-entry.entity';
import { withoutSecretSql } from './audit-secrets';

export interface AuditFilter {
  hospitalIds: string[] | 'all';
  /** Entries without a hospital (logins, users) are shown only to global roles. */
  includeUnscoped: boolean;
  entityType?: string;
  entityId?: string;
  actorId?: string;
  action?: string;
  /** Part of the actor's username. */
  actor?: string;
  /** Entries about these entities, or whose recorded state (name, code) contains `text`. */
  entity?: { ids: string[]; text: string };
  /** Free text: actor, action, entity type or id, or anything in the state before or after. */
  text?: string;
  /** False: `text` does not match the state's secret field (audit-secrets.ts), which the reader sees hidden. */
  textSeesSecrets?: boolean;
  from?: Date;
  to?: Date;
}

export interface AuditPageFilter extends AuditFilter {
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
  search(f: AuditPageFilter): Promise<Page<AuditEntry>> {
    return this.db.onReadReplica(async () => {
      const [items, total] = await this.filtered(f)
        .orderBy('a.at', 'DESC')
        .addOrderBy('a.id', 'DESC')
        .skip((f.page - 1) * f.pageSize)
        .take(f.pageSize)
        .getManyAndCount();
      return { items, total, page: f.page, pageSize: f.pageSize };
    });
  }

  /**
   * The filtered entries newest first, `batchSize` at a time and at most `limit` in
   * all, each batch one indexed query from where the last one stopped (no OFFSET:
   * the 50,000th row costs what the first does). Lag tolerated: each batch on a read
   * replica where there is one, its connection held only for that query (a generator
   * paused by a slow client must not hold one).
   */
  async *inBatches(f: AuditFilter, limit: number, batchSize = 1000): AsyncGenerator<AuditEntry[]> {
    let after: { at: Date; id: string } | null = null;
    let left = limit;
    while (left > 0) {
      const from = after;
      const size = Math.min(batchSize, left);
      const batch = await this.db.onReadReplica(() => {
        const q = this.filtered(f);
        if (from) q.andWhere('(a.at < :lastAt OR (a.at = :lastAt AND a.id < :lastId))', { lastAt: from.at, lastId: from.id });
        return q.orderBy('a.at', 'DESC').addOrderBy('a.id', 'DESC').limit(size).getMany();
      });
      if (batch.length === 0) return;
      yield batch;
      left -= batch.length;
      const last = batch[batch.length - 1];
      after = { at: last.at, id: last.id };
      if (batch.length < batchSize) return;
    }
  }

  private filtered(f: AuditFilter) {
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
    if (f.actor) q.andWhere('a.actor_name LIKE :actor', { actor: `%${escapeLike(f.actor.toLowerCase())}%` });
    if (f.entity) {
      const { ids, text } = f.entity;
      q.andWhere(
        new Brackets((b) => {
          if (ids.length) b.orWhere('a.entity_id IN (:...entityIds)', { entityIds: ids });
          // The name it had then: an entity since deleted or renamed is still found by it. JSON columns compare binary: lower-case both.
          const like = { entityText: `%${escapeLike(text.toLowerCase())}%` };
          for (const side of ['a.before', 'a.after']) {
            for (const field of ['$.name', '$.code', '$.username']) {
              b.orWhere(`LOWER(JSON_UNQUOTE(JSON_EXTRACT(${side}, '${field}'))) LIKE :entityText`, like);
            }
          }
        }),
      );
    }
    if (f.text) {
      const like = { text: `%${escapeLike(f.text.toLowerCase())}%` };
      q.andWhere(
        new Brackets((b) => {
          for (const column of ['a.actor_name', 'a.action', 'a.entity_type', 'a.entity_id']) b.orWhere(`LOWER(${column}) LIKE :text`, like);
          for (const side of ['a.before', 'a.after']) {
            const state = f.textSeesSecrets ? side : withoutSecretSql(side);
            b.orWhere(`LOWER(${state}) LIKE :text`, like);
          }
        }),
      );
    }
    if (f.from || f.to) {
      q.andWhere(
        new Brackets((b) => {
          if (f.from) b.andWhere('a.at >= :from', { from: f.from });
          if (f.to) b.andWhere('a.at < :to', { to: f.to });
        }),
      );
    }
    return q;
  }
}
