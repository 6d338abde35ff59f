import { Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import { idsOfRowsNamedLike, namesOfRows, type RowNaming } from '../common/sql';
import { Database } from '../database/database.service';
import type { Page } from '../common/validation';
import { PowerRuleRecord } from './power-rule.entity';

/** How people know a power rule: by its name. */
const POWER_RULE_NAMING: RowNaming = { from: 'power_rules e', name: 'e.name', hospital: 'e.hospital_id' };

@Injectable()
export class RulesRepository {
  constructor(private readonly db: Database) {}

  /** Current names of these power rules within the hospitals, for the audit log. */
  namesByIds(ids: string[], hospitalIds: string[] | 'all'): Promise<Array<{ id: string; name: string }>> {
    return namesOfRows(this.db.manager, POWER_RULE_NAMING, ids, hospitalIds);
  }

  /** Ids of the power rules within the hospitals whose name contains the text, for the audit log's search. */
  idsNamedLike(text: string, hospitalIds: string[] | 'all', limit: number): Promise<string[]> {
    return idsOfRowsNamedLike(this.db.manager, POWER_RULE_NAMING, text, hospitalIds, limit);
  }

  getById(id: string): Promise<PowerRuleRecord | null> {
    return this.db.repo(PowerRuleRecord).findOneBy({ id });
  }

  getByHospital(hospitalId: string): Promise<PowerRuleRecord[]> {
    return this.db.repo(PowerRuleRecord).findBy({ hospitalId });
  }

  /** Every rule of these hospitals ('all': of every hospital), for fleet-wide schedule computations. */
  getByHospitals(hospitalIds: string[] | 'all'): Promise<PowerRuleRecord[]> {
    if (hospitalIds === 'all') return this.db.repo(PowerRuleRecord).find();
    return hospitalIds.length ? this.db.repo(PowerRuleRecord).findBy({ hospitalId: In(hospitalIds) }) : Promise.resolve([]);
  }

  countOfHospital(hospitalId: string): Promise<number> {
    return this.db.repo(PowerRuleRecord).countBy({ hospitalId });
  }

  save(rule: PowerRuleRecord): Promise<PowerRuleRecord> {
    return this.db.repo(PowerRuleRecord).save(rule);
  }

  async delete(id: string): Promise<void> {
    await this.db.repo(PowerRuleRecord).delete({ id });
  }

  async search(f: {
    hospitalIds: string[] | 'all';
    siteId?: string;
    layer?: string;
    scopeKind?: string;
    page: number;
    pageSize: number;
  }): Promise<Page<PowerRuleRecord>> {
    const q = this.db.repo(PowerRuleRecord).createQueryBuilder('r');
    if (f.hospitalIds !== 'all') {
      if (!f.hospitalIds.length) return { items: [], total: 0, page: f.page, pageSize: f.pageSize };
      q.andWhere('r.hospital_id IN (:...ids)', { ids: f.hospitalIds });
    }
    if (f.siteId) q.andWhere('r.site_id = :siteId', { siteId: f.siteId });
    if (f.layer) q.andWhere('r.layer = :layer', { layer: f.layer });
    if (f.scopeKind) q.andWhere('r.scope_kind = :scopeKind', { scopeKind: f.scopeKind });
    const [items, total] = await q
      .orderBy('r.layer')
      .addOrderBy('r.priority', 'DESC')
      .addOrderBy('r.name')
      .skip((f.page - 1) * f.pageSize)
      .take(f.pageSize)
      .getManyAndCount();
    return { items, total, page: f.page, pageSize: f.pageSize };
  }
}
