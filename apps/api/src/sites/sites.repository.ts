import { Injectable } from '@nestjs/common';
import { Database } from '../database/database.service';
import { escapeLike } from '../common/sql';
import type { Page } from '../common/validation';
import { Site } from './site.entity';

@Injectable()
export class SitesRepository {
  constructor(private readonly db: Database) {}

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
