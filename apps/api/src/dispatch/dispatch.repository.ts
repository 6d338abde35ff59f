import { Injectable } from '@nestjs/common';
import { In, LessThan, MoreThan } from 'typeorm';
import { Database } from '../database/database.service';
import type { Page } from '../common/validation';
import { Dispatch, DispatchAction, DispatchStatus } from './dispatch.entity';

export interface Occurrence {
  kioskId: string;
  siteId: string;
  hospitalId: string;
  action: DispatchAction;
  plannedAt: Date;
  ruleId: string | null;
}

@Injectable()
export class DispatchRepository {
  constructor(private readonly db: Database) {}

  /** One row per occurrence whatever runs twice: existing rows are left as they are. */
  async insertPlanned(rows: Occurrence[], now: Date): Promise<void> {
    if (!rows.length) return;
    await this.db.manager
      .createQueryBuilder()
      .insert()
      .into(Dispatch)
      .values(rows.map((r) => ({ ...r, status: 'planned' as const, commands: [], verifications: [], createdAt: now, updatedAt: now })))
      .orIgnore()
      .execute();
  }

  /** Rows still 'planned', locked until the transaction ends: only one runner sends them. */
  lockPlanned(kioskIds: string[], plannedAt: Date, action: DispatchAction): Promise<Dispatch[]> {
    if (!kioskIds.length) return Promise.resolve([]);
    return this.db
      .repo(Dispatch)
      .createQueryBuilder('d')
      .setLock('pessimistic_write')
      .where('d.kiosk_id IN (:...kioskIds)', { kioskIds })
      .andWhere('d.planned_at = :plannedAt AND d.action = :action AND d.status = :status', { plannedAt, action, status: 'planned' })
      .getMany();
  }

  ofOccurrence(siteId: string, plannedAt: Date, action: DispatchAction, statuses?: DispatchStatus[]): Promise<Dispatch[]> {
    return this.db.repo(Dispatch).find({
      where: { siteId, plannedAt, action, ...(statuses && { status: In(statuses) }) },
    });
  }

  /** Sent but not yet due: what a schedule change may have to call back. */
  sentAfter(siteId: string, after: Date): Promise<Dispatch[]> {
    return this.db.repo(Dispatch).find({ where: { siteId, status: 'sent', plannedAt: MoreThan(after) } });
  }

  /**
   * Writes what a run changed: status, sending, verifications, outcome. Rows that
   * end up with the same values (the kiosks of one site sent by the same agents'
   * commands, as a rule) share one UPDATE ... WHERE id IN (...): TypeORM's save()
   * would read each row back first, and one UPDATE per row dominated the fan-out
   * at fleet scale.
   */
  async save(rows: Dispatch[]): Promise<void> {
    const now = new Date();
    const groups = new Map<string, { values: unknown[]; ids: string[] }>();
    for (const row of rows) {
      row.updatedAt = now;
      const values = [row.status, row.sentAt, JSON.stringify(row.commands), JSON.stringify(row.verifications), row.outcome];
      const key = JSON.stringify(values);
      const group = groups.get(key) ?? { values, ids: [] };
      group.ids.push(row.id);
      groups.set(key, group);
    }
    for (const { values, ids } of groups.values()) {
      await this.db.manager.query(
        `UPDATE dispatches SET status = ?, sent_at = ?, commands = ?, verifications = ?, outcome = ?, updated_at = ? WHERE id IN (${ids.map(() => '?').join(', ')})`,
        [...values, now, ...ids],
      );
    }
  }

  async search(f: { kioskId?: string; siteId?: string; before?: Date; page: number; pageSize: number }): Promise<Page<Dispatch>> {
    const where = {
      ...(f.kioskId && { kioskId: f.kioskId }),
      ...(f.siteId && { siteId: f.siteId }),
      ...(f.before && { plannedAt: LessThan(f.before) }),
    };
    const [items, total] = await this.db.repo(Dispatch).findAndCount({
      where,
      order: { plannedAt: 'DESC', id: 'DESC' },
      skip: (f.page - 1) * f.pageSize,
      take: f.pageSize,
    });
    return { items, total, page: f.page, pageSize: f.pageSize };
  }
}
