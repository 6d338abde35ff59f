import { Injectable } from '@nestjs/common';
import { Database } from '../database/database.service';
import { escapeLike, idsOfRowsNamedLike, namesOfRows, type RowNaming } from '../common/sql';
import type { Page } from '../common/validation';
import { Site } from './site.entity';

/** How people know a site: by its name. */
const SITE_NAMING: RowNaming = { from: 'sites e', name: 'e.name', hospital: 'e.hospital_id' };

@Injectable()
export class SitesRepository {
  constructor(private readonly db: Database) {}

  /** Current names of these sites within the hospitals, for the audit log. */
  namesByIds(ids: string[], hospitalIds: string[] | 'all'): Promise<Array<{ id: string; name: string }>> {
    return namesOfRows(this.db.manager, SITE_NAMING, ids, hospitalIds);
  }

  /** Ids of the sites within the hospitals whose name contains the text, for the audit log's search. */
  idsNamedLike(text: string, hospitalIds: string[] | 'all', limit: number): Promise<string[]> {
    return idsOfRowsNamedLike(this.db.manager, SITE_NAMING, text, hospitalIds, limit);
  }

  getById(id: string): Promise<Site | null> {
    return this.db.repo(Site).findOneBy({ id });
  }

  async allIds(): Promise<string[]> {
    return (await this.db.repo(Site).find({ select: { id: true }, order: { id: 'ASC' } })).map((s) => s.id);
  }

  getByHospital(hospitalId: string): Promise<Site[]> {
    return this.db.repo(Site).find({ where: { hospitalId }, order: { name: 'ASC' } });
  }

  save(site: Site): Promise<Site> {
    return this.db.repo(Site).save(site);
  }

  async delete(id: string): Promise<void> {
    await this.db.repo(Site).delete({ id });
  }

  /** Lag tolerated: on a read replica where there is one. */
  search(f: { hospitalIds: string[] | 'all'; q?: string; page: number; pageSize: number }): Promise<Page<Site>> {
    return this.db.onReadReplica(async () => {
      const q = this.db.repo(Site).createQueryBuilder('s');
      if (f.hospitalIds !== 'all') {
        if (!f.hospitalIds.length) return { items: [], total: 0, page: f.page, pageSize: f.pageSize };
        q.andWhere('s.hospital_id IN (:...ids)', { ids: f.hospitalIds });
      }
      if (f.q) q.andWhere('s.name LIKE :q', { q: `%${escapeLike(f.q)}%` });
      const [items, total] = await q.orderBy('s.name').skip((f.page - 1) * f.pageSize).take(f.pageSize).getManyAndCount();
      return { items, total, page: f.page, pageSize: f.pageSize };
    });
  }
}
