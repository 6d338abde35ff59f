import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { canEditFleet, scopeHospitalFilter } from '../common/access';
import { AuditService } from '../audit/audit.service';
import { AccessService, notFoundError } from '../common/access.service';
import { conflict, notFound } from '../common/errors';
import type { Principal } from '../common/request-context';
import { ER_DUP_ENTRY, ER_ROW_IS_REFERENCED, mysqlErrno } from '../common/sql';
import { Database } from '../database/database.service';
import { HospitalsRepository } from '../hospitals/hospitals.repository';
import { Site } from './site.entity';
import { createSiteBody, listSitesQuery, updateSiteBody } from './sites.dto';
import { SitesRepository } from './sites.repository';
import { ScheduleChanges } from '../common/schedule-changes';

@Injectable()
export class SitesService {
  constructor(
    private readonly db: Database,
    private readonly sites: SitesRepository,
    private readonly hospitals: HospitalsRepository,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly scheduleChanges: ScheduleChanges,
  ) {}

  list(p: Principal, query: z.output<typeof listSitesQuery>) {
    const { hospitalId, ...rest } = query;
    return this.sites.search({ hospitalIds: scopeHospitalFilter(p, hospitalId), ...rest });
  }

  /** A site the user may see; 404 otherwise (including sites of other hospitals). */
  async get(p: Principal, id: string): Promise<Site> {
    const site = await this.sites.getById(id);
    if (!site) throw notFoundError('site', id);
    await this.access.assertReadable(p, 'site', id, site.hospitalId);
    return site;
  }

  create(p: Principal, input: z.output<typeof createSiteBody>): Promise<Site> {
    return this.db.transaction(async () => {
      const hospital = await this.hospitals.getById(input.hospitalId);
      if (!hospital || !canEditFleet(p, hospital.id)) {
        throw notFound('HOSPITAL_NOT_FOUND', `hospital ${input.hospitalId} not found`);
      }
      const site = Object.assign(new Site(), { id: randomUUID(), ...input });
      await this.sites.save(site).catch(duplicateName);
      await this.audit.record({ action: 'create', entityType: 'site', entityId: site.id, hospitalId: site.hospitalId, after: site });
      return site;
    });
  }

  async update(p: Principal, id: string, input: z.output<typeof updateSiteBody>): Promise<Site> {
    const site = await this.db.transaction(async () => {
      const site = await this.get(p, id);
      const before = { ...site };
      Object.assign(site, input);
      await this.sites.save(site).catch(duplicateName);
      await this.audit.record({ action: 'update', entityType: 'site', entityId: id, hospitalId: site.hospitalId, before, after: site });
      return site;
    });
    // A new time zone moves every local time of the site.
    await this.scheduleChanges.sitesChanged([site.id]);
    return site;
  }

  delete(p: Principal, id: string): Promise<void> {
    return this.db.transaction(async () => {
      const site = await this.get(p, id);
      await this.sites.delete(id).catch((err) => {
        if (mysqlErrno(err) === ER_ROW_IS_REFERENCED) {
          throw conflict('SITE_IN_USE', 'site still has kiosks, agents or rules; remove them first');
        }
        throw err;
      });
      await this.audit.record({ action: 'delete', entityType: 'site', entityId: id, hospitalId: site.hospitalId, before: site });
    });
  }
}

function duplicateName(err: unknown): never {
  if (mysqlErrno(err) === ER_DUP_ENTRY) throw conflict('SITE_NAME_TAKEN', 'the hospital has another site with this name', 'name');
  throw err;
}
