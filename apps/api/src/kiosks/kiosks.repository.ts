import { Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import { Database } from '../database/database.service';
import { escapeLike } from '../common/sql';
import type { Page } from '../common/validation';
import { Kiosk } from './kiosk.entity';

export interface KioskFilter {
  hospitalIds: string[] | 'all';
  siteId?: string;
  kind?: string;
  q?: string;
  page: number;
  pageSize: number;
}

@Injectable()
export class KiosksRepository {
  constructor(private readonly db: Database) {}

  getById(id: string): Promise<Kiosk | null> {
    return this.db.repo(Kiosk).findOneBy({ id });
  }

  getByIds(ids: string[]): Promise<Kiosk[]> {
    return ids.length ? this.db.repo(Kiosk).findBy({ id: In(ids) }) : Promise.resolve([]);
  }

  getBySite(siteId: string): Promise<Kiosk[]> {
    return this.db.repo(Kiosk).find({ where: { siteId }, order: { code: 'ASC' } });
  }

  /** Codes and MACs already used in a hospital, for checking an import against the database. */
  async identifiersOfHospital(hospitalId: string): Promise<{ codes: Set<string>; macs: Set<string> }> {
    const rows = await this.db.repo(Kiosk).find({ where: { hospitalId }, select: { code: true, mac: true } });
    return { codes: new Set(rows.map((r) => r.code.toLowerCase())), macs: new Set(rows.map((r) => r.mac)) };
  }

  save(kiosk: Kiosk): Promise<Kiosk> {
    return this.db.repo(Kiosk).save(kiosk);
  }

  async insertMany(kiosks: Kiosk[]): Promise<void> {
    for (let i = 0; i < kiosks.length; i += 500) {
      await this.db.repo(Kiosk).insert(kiosks.slice(i, i + 500));
    }
  }

  async delete(id: string): Promise<void> {
    await this.db.repo(Kiosk).delete({ id });
  }

  async search(f: KioskFilter): Promise<Page<Kiosk>> {
    const q = this.db.repo(Kiosk).createQueryBuilder('k');
    if (f.hospitalIds !== 'all') {
      if (!f.hospitalIds.length) return { items: [], total: 0, page: f.page, pageSize: f.pageSize };
      q.andWhere('k.hospital_id IN (:...ids)', { ids: f.hospitalIds });
    }
    if (f.siteId) q.andWhere('k.site_id = :siteId', { siteId: f.siteId });
    if (f.kind) q.andWhere('k.kind = :kind', { kind: f.kind });
    if (f.q) q.andWhere('(k.code LIKE :q OR k.name LIKE :q)', { q: `%${escapeLike(f.q)}%` });
    const [items, total] = await q.orderBy('k.code').skip((f.page - 1) * f.pageSize).take(f.pageSize).getManyAndCount();
    return { items, total, page: f.page, pageSize: f.pageSize };
  }
}
