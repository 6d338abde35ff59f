import { Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import { Database } from '../database/database.service';
import { escapeLike, idsOfRowsNamedLike, namesOfRows, type RowNaming } from '../common/sql';
import type { Page } from '../common/validation';
import { Hospital } from './hospital.entity';

/** How people know a hospital: by its name. */
const HOSPITAL_NAMING: RowNaming = { from: 'hospitals e', name: 'e.name', hospital: 'e.id' };

@Injectable()
export class HospitalsRepository {
  constructor(private readonly db: Database) {}

  /** Current names of these hospitals within the hospitals, for the audit log. */
  namesByIds(ids: string[], hospitalIds: string[] | 'all'): Promise<Array<{ id: string; name: string }>> {
    return namesOfRows(this.db.manager, HOSPITAL_NAMING, ids, hospitalIds);
  }

  /** Ids of the hospitals within the hospitals whose name contains the text, for the audit log's search. */
  idsNamedLike(text: string, hospitalIds: string[] | 'all', limit: number): Promise<string[]> {
    return idsOfRowsNamedLike(this.db.manager, HOSPITAL_NAMING, text, hospitalIds, limit);
  }

  getById(id: string): Promise<Hospital | null> {
    return this.db.repo(Hospital).findOneBy({ id });
  }

  getByCode(code: string): Promise<Hospital | null> {
    return this.db.repo(Hospital).findOneBy({ code });
  }

  async existingIds(ids: string[]): Promise<string[]> {
    if (!ids.length) return [];
    return (await this.db.repo(Hospital).findBy({ id: In(ids) })).map((h) => h.id);
  }

  save(hospital: Hospital): Promise<Hospital> {
    return this.db.repo(Hospital).save(hospital);
  }

  async delete(id: string): Promise<void> {
    await this.db.repo(Hospital).delete({ id });
  }

  async search(f: { hospitalIds: string[] | 'all'; q?: string; page: number; pageSize: number }): Promise<Page<Hospital>> {
    const q = this.db.repo(Hospital).createQueryBuilder('h');
    if (f.hospitalIds !== 'all') {
      if (!f.hospitalIds.length) return { items: [], total: 0, page: f.page, pageSize: f.pageSize };
      q.andWhere('h.id IN (:...ids)', { ids: f.hospitalIds });
    }
    if (f.q) q.andWhere('(h.name LIKE :q OR h.code LIKE :q)', { q: `%${escapeLike(f.q)}%` });
    const [items, total] = await q.orderBy('h.code').skip((f.page - 1) * f.pageSize).take(f.pageSize).getManyAndCount();
    return { items, total, page: f.page, pageSize: f.pageSize };
  }
}
