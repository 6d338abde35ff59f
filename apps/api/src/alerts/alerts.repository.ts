import { Injectable } from '@nestjs/common';
import { Database } from '../database/database.service';
import type { Page } from '../common/validation';
import { In } from 'typeorm';
import { Alert, AlertKind, AlertStatus } from './alert.entity';

export interface NewAlert {
  kind: AlertKind;
  openKey: string;
  hospitalId: string;
  siteId?: string | null;
  kioskId?: string | null;
  agentId?: string | null;
  message: string;
  details?: Record<string, unknown>;
}

@Injectable()
export class AlertsRepository {
  constructor(private readonly db: Database) {}

  /**
   * Opens the alert unless one is already open for the condition, in which case
   * only its last_seen_at moves. Returns the alert and whether it is new.
   */
  async openOrTouch(a: NewAlert, now: Date): Promise<{ alert: Alert; opened: boolean }> {
    const result = await this.db.manager.query(
      `INSERT INTO alerts (hospital_id, site_id, kiosk_id, agent_id, kind, open_key, status, message, details, opened_at, last_seen_at)
       VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE last_seen_at = VALUES(last_seen_at)`,
      [a.hospitalId, a.siteId ?? null, a.kioskId ?? null, a.agentId ?? null, a.kind, a.openKey, a.message.slice(0, 500), JSON.stringify(a.details ?? null), now, now],
    );
    // MySQL reports 1 affected row for an insert, 2 for an update of an existing row.
    const opened = result.affectedRows === 1;
    const alert = await this.db.repo(Alert).findOneByOrFail({ openKey: a.openKey });
    return { alert, opened };
  }

  /** The open (or acknowledged) alert of the condition, locked until the transaction ends. */
  lockOpen(openKey: string): Promise<Alert | null> {
    return this.db.repo(Alert).createQueryBuilder('a').setLock('pessimistic_write').where('a.open_key = :openKey', { openKey }).getOne();
  }

  /** A new open alert; fails on the unique open_key if another one opened it first. */
  async insertOpen(a: NewAlert, now: Date): Promise<Alert> {
    const alert = Object.assign(new Alert(), {
      hospitalId: a.hospitalId,
      siteId: a.siteId ?? null,
      kioskId: a.kioskId ?? null,
      agentId: a.agentId ?? null,
      kind: a.kind,
      openKey: a.openKey,
      status: 'open' as const,
      message: a.message.slice(0, 500),
      details: a.details ?? null,
      openedAt: now,
      lastSeenAt: now,
      acknowledgedAt: null,
      acknowledgedBy: null,
      resolvedAt: null,
    });
    return this.db.repo(Alert).save(alert);
  }

  async updateDetails(id: string, message: string, details: Record<string, unknown>, now: Date): Promise<void> {
    await this.db.repo(Alert).update({ id }, { message: message.slice(0, 500), details: details as never, lastSeenAt: now });
  }

  /** Alerts still unresolved (open or acknowledged) of a kind at a site. */
  unresolvedOfSite(siteId: string, kind: AlertKind): Promise<Alert[]> {
    return this.db.repo(Alert).createQueryBuilder('a').where('a.site_id = :siteId AND a.kind = :kind AND a.open_key IS NOT NULL', { siteId, kind }).getMany();
  }

  /** Every unresolved alert of a kind (agent_offline, no_agent: a handful). */
  unresolvedOfKind(kind: AlertKind): Promise<Alert[]> {
    return this.db.repo(Alert).createQueryBuilder('a').where('a.kind = :kind AND a.open_key IS NOT NULL', { kind }).getMany();
  }

  getByIds(ids: string[]): Promise<Alert[]> {
    return ids.length ? this.db.repo(Alert).findBy({ id: In(ids) }) : Promise.resolve([]);
  }

  async resolveByKey(openKey: string, now: Date): Promise<Alert | null> {
    const alert = await this.db.repo(Alert).findOneBy({ openKey });
    if (!alert) return null;
    await this.db.repo(Alert).update({ id: alert.id }, { status: 'resolved', resolvedAt: now, openKey: null });
    return { ...alert, status: 'resolved', resolvedAt: now, openKey: null };
  }

  getById(id: string): Promise<Alert | null> {
    return this.db.repo(Alert).findOneBy({ id });
  }

  async acknowledge(id: string, by: string, now: Date): Promise<void> {
    await this.db.repo(Alert).update({ id }, { status: 'acknowledged', acknowledgedAt: now, acknowledgedBy: by });
  }

  async search(f: {
    hospitalIds: string[] | 'all';
    siteId?: string;
    status?: AlertStatus;
    kind?: AlertKind;
    page: number;
    pageSize: number;
  }): Promise<Page<Alert>> {
    const q = this.db.repo(Alert).createQueryBuilder('a');
    if (f.hospitalIds !== 'all') {
      if (!f.hospitalIds.length) return { items: [], total: 0, page: f.page, pageSize: f.pageSize };
      q.andWhere('a.hospital_id IN (:...ids)', { ids: f.hospitalIds });
    }
    if (f.siteId) q.andWhere('a.site_id = :siteId', { siteId: f.siteId });
    if (f.status) q.andWhere('a.status = :status', { status: f.status });
    if (f.kind) q.andWhere('a.kind = :kind', { kind: f.kind });
    const [items, total] = await q
      .orderBy('a.opened_at', 'DESC')
      .addOrderBy('a.id', 'DESC')
      .skip((f.page - 1) * f.pageSize)
      .take(f.pageSize)
      .getManyAndCount();
    return { items, total, page: f.page, pageSize: f.pageSize };
  }
}
