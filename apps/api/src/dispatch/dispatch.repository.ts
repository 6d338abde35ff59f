import { Injectable } from '@nestjs/common';
import { In, LessThan, MoreThan } from 'typeorm';
import { Database } from '../database/database.service';
import type { Page } from '../common/validation';
import type { ManualCommand } from '../schedule/expected-state';
import { Dispatch, DispatchAction, DispatchSource, DispatchStatus } from './dispatch.entity';

export interface Occurrence {
  kioskId: string;
  siteId: string;
  hospitalId: string;
  action: DispatchAction;
  plannedAt: Date;
  ruleId: string | null;
}

export interface DispatchSearch {
  kioskId?: string;
  siteId?: string;
  source?: DispatchSource;
  before?: Date;
}

function searchWhere(f: DispatchSearch) {
  return {
    ...(f.kioskId && { kioskId: f.kioskId }),
    ...(f.siteId && { siteId: f.siteId }),
    ...(f.source && { source: f.source }),
    ...(f.before && { plannedAt: LessThan(f.before) }),
  };
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

  /**
   * A manual occurrence's rows (one per kiosk), returned with their ids. A plain
   * INSERT: the same kiosk asked for twice in the same millisecond is a conflict the
   * caller reports, never a row silently shared.
   */
  async insertManual(rows: Array<Occurrence & { requestedBy: string }>, now: Date): Promise<Dispatch[]> {
    if (!rows.length) return [];
    await this.db.manager
      .createQueryBuilder()
      .insert()
      .into(Dispatch)
      .values(rows.map((r) => ({ ...r, source: 'manual' as const, status: 'planned' as const, commands: [], verifications: [], createdAt: now, updatedAt: now })))
      .execute();
    return this.db.repo(Dispatch).find({
      where: { siteId: rows[0].siteId, plannedAt: rows[0].plannedAt, action: rows[0].action, source: 'manual', kioskId: In(rows.map((r) => r.kioskId)) },
      order: { id: 'ASC' },
    });
  }

  /**
   * Each kiosk's latest manual command (of the site, or of these kiosks of it),
   * whatever became of it: what people asked for is what they expect, and a
   * command nobody could send shows as a mismatch rather than vanishing.
   */
  async latestManual(siteId: string, kioskIds?: string[]): Promise<Map<string, ManualCommand>> {
    if (kioskIds && !kioskIds.length) return new Map();
    const only = kioskIds ? ` AND kiosk_id IN (${kioskIds.map(() => '?').join(', ')})` : '';
    const rows: { kiosk_id: string; action: DispatchAction; planned_at: Date; requested_by: string | null }[] = await this.db.manager.query(
      `SELECT d.kiosk_id, d.action, d.planned_at, d.requested_by
         FROM dispatches d
         JOIN (SELECT kiosk_id, MAX(planned_at) AS at FROM dispatches
                WHERE site_id = ? AND source = 'manual'${only} GROUP BY kiosk_id) m
           ON m.kiosk_id = d.kiosk_id AND m.at = d.planned_at
        WHERE d.site_id = ? AND d.source = 'manual'`,
      [siteId, ...(kioskIds ?? []), siteId],
    );
    return new Map(rows.map((r) => [r.kiosk_id, { action: r.action, at: r.planned_at, requestedBy: r.requested_by }]));
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

  /** Scheduled, sent but not yet due: what a schedule change may have to call back (never a person's command). */
  sentAfter(siteId: string, after: Date): Promise<Dispatch[]> {
    return this.db.repo(Dispatch).find({ where: { siteId, source: 'schedule', status: 'sent', plannedAt: MoreThan(after) } });
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

  async search(f: DispatchSearch & { page: number; pageSize: number }): Promise<Page<Dispatch>> {
    const [items, total] = await this.db.repo(Dispatch).findAndCount({
      where: searchWhere(f),
      order: { plannedAt: 'DESC', id: 'DESC' },
      skip: (f.page - 1) * f.pageSize,
      take: f.pageSize,
    });
    return { items, total, page: f.page, pageSize: f.pageSize };
  }

  /** The planned instant of the search's row at this offset (in its order), or null past the end. */
  async plannedAtOfRow(f: DispatchSearch, offset: number): Promise<Date | null> {
    const [row] = await this.db.repo(Dispatch).find({
      select: { id: true, plannedAt: true },
      where: searchWhere(f),
      order: { plannedAt: 'DESC', id: 'DESC' },
      skip: offset,
      take: 1,
    });
    return row?.plannedAt ?? null;
  }
}
