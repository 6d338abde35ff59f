import { Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import { Database } from '../database/database.service';
import { escapeLike, idsOfRowsNamedLike, namesOfRows, type RowNaming } from '../common/sql';
import type { Page } from '../common/validation';
import { Kiosk } from './kiosk.entity';

/** A kiosk found by the cross-site search, with the site and hospital that tell equal codes apart. */
export interface KioskSearchHit {
  id: string;
  code: string;
  name: string;
  kind: string;
  location: string;
  ip: string | null;
  mac: string;
  site: { id: string; name: string; timeZone: string };
  hospital: { id: string; code: string; name: string };
}

export interface KioskFilter {
  hospitalIds: string[] | 'all';
  siteId?: string;
  kind?: string;
  q?: string;
  page: number;
  pageSize: number;
}

/** How people know a kiosk: `name (code)`, so a search by code finds it too. */
const KIOSK_NAMING: RowNaming = { from: 'kiosks e', name: "CONCAT(e.name, ' (', e.code, ')')", hospital: 'e.hospital_id' };

@Injectable()
export class KiosksRepository {
  constructor(private readonly db: Database) {}

  /** Current names of these kiosks within the hospitals, for the audit log. */
  namesByIds(ids: string[], hospitalIds: string[] | 'all'): Promise<Array<{ id: string; name: string }>> {
    return namesOfRows(this.db.manager, KIOSK_NAMING, ids, hospitalIds);
  }

  /** Ids of the kiosks within the hospitals whose name contains the text, for the audit log's search. */
  idsNamedLike(text: string, hospitalIds: string[] | 'all', limit: number): Promise<string[]> {
    return idsOfRowsNamedLike(this.db.manager, KIOSK_NAMING, text, hospitalIds, limit);
  }

  getById(id: string): Promise<Kiosk | null> {
    return this.db.repo(Kiosk).findOneBy({ id });
  }

  getByIds(ids: string[]): Promise<Kiosk[]> {
    return ids.length ? this.db.repo(Kiosk).findBy({ id: In(ids) }) : Promise.resolve([]);
  }

  /** Of these kiosk ids, the ones that belong to the site (ids only: an agent's report may name thousands). */
  async idsInSite(siteId: string, kioskIds: string[]): Promise<Set<string>> {
    if (!kioskIds.length) return new Set();
    const rows: Array<{ id: string }> = await this.db.manager.query(`SELECT id FROM kiosks WHERE site_id = ? AND id IN (?)`, [
      siteId,
      [...new Set(kioskIds)],
    ]);
    return new Set(rows.map((r) => r.id));
  }

  /** Every kiosk of a hospital (a rule's impact covers them all: ~1,000 for the largest). */
  getByHospital(hospitalId: string): Promise<Kiosk[]> {
    return this.db.repo(Kiosk).find({ where: { hospitalId }, order: { code: 'ASC' } });
  }

  getBySite(siteId: string): Promise<Kiosk[]> {
    return this.db.repo(Kiosk).find({ where: { siteId }, order: { code: 'ASC' } });
  }

  /** What the schedule calendar lists of each kiosk of a hospital or a site: a few columns of up to thousands of rows. */
  listedIn(where: { hospitalId: string } | { siteId: string }): Promise<Pick<Kiosk, 'id' | 'code' | 'name' | 'siteId' | 'hospitalId'>[]> {
    return this.db.repo(Kiosk).find({
      where,
      select: { id: true, code: true, name: true, siteId: true, hospitalId: true },
      order: { code: 'ASC' },
    });
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
      // updateEntity(false): after a multi-row insert TypeORM re-reads the rows and
      // writes their ids back onto the objects in another order, so a caller (the
      // import's audit entries) would then hold other kiosks' ids.
      await this.db.repo(Kiosk).createQueryBuilder().insert().values(kiosks.slice(i, i + 500)).updateEntity(false).execute();
    }
  }

  async delete(id: string): Promise<void> {
    await this.db.repo(Kiosk).delete({ id });
  }

  /**
   * Kiosks of these hospitals whose code, name or IP contains `text`, or whose MAC
   * contains `macDigits` (hex digits without separators, so "1A-2B" finds
   * 00:1a:2b:…). An exact code comes first, then codes that start with the text.
   * At most `limit` + 1 rows: the caller tells whether there were more.
   */
  async findAcrossSites(f: { hospitalIds: string[] | 'all'; text: string; macDigits: string | null; limit: number }): Promise<KioskSearchHit[]> {
    if (f.hospitalIds !== 'all' && !f.hospitalIds.length) return [];
    const like = `%${escapeLike(f.text)}%`;
    const rows: Array<Record<string, string | null>> = await this.db.manager.query(
      `SELECT k.id, k.code, k.name, k.kind, k.location, k.ip, k.mac,
              s.id AS siteId, s.name AS siteName, s.time_zone AS timeZone, h.id AS hospitalId, h.code AS hospitalCode, h.name AS hospitalName
         FROM kiosks k JOIN sites s ON s.id = k.site_id JOIN hospitals h ON h.id = k.hospital_id
        WHERE (k.code LIKE ? OR k.name LIKE ? OR k.ip LIKE ?${f.macDigits ? " OR REPLACE(k.mac, ':', '') LIKE ?" : ''})
          ${f.hospitalIds === 'all' ? '' : 'AND k.hospital_id IN (?)'}
        ORDER BY CASE WHEN k.code = ? THEN 0 WHEN k.code LIKE ? THEN 1 ELSE 2 END, k.code, h.name, s.name, k.id
        LIMIT ?`,
      [
        like,
        like,
        like,
        ...(f.macDigits ? [`%${f.macDigits}%`] : []),
        ...(f.hospitalIds === 'all' ? [] : [f.hospitalIds]),
        f.text,
        `${escapeLike(f.text)}%`,
        f.limit + 1,
      ],
    );
    return rows.map((r) => ({
      id: r.id!,
      code: r.code!,
      name: r.name!,
      kind: r.kind!,
      location: r.location!,
      ip: r.ip,
      mac: r.mac!,
      site: { id: r.siteId!, name: r.siteName!, timeZone: r.timeZone! },
      hospital: { id: r.hospitalId!, code: r.hospitalCode!, name: r.hospitalName! },
    }));
  }

  /** Lag tolerated: on a read replica where there is one. */
  search(f: KioskFilter): Promise<Page<Kiosk>> {
    return this.db.onReadReplica(async () => {
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
    });
  }
}
