import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { AuditService } from '../audit/audit.service';
import { AccessService, notFoundError } from '../common/access.service';
import { conflict } from '../common/errors';
import type { Principal } from '../common/request-context';
import { ER_DUP_ENTRY, ER_ROW_IS_REFERENCED, mysqlErrno } from '../common/sql';
import { Database } from '../database/database.service';
import { Hospital } from './hospital.entity';
import { createHospitalBody, listHospitalsQuery, updateHospitalBody } from './hospitals.dto';
import { HospitalsRepository } from './hospitals.repository';

@Injectable()
export class HospitalsService {
  constructor(
    private readonly db: Database,
    private readonly hospitals: HospitalsRepository,
    private readonly access: AccessService,
    private readonly audit: AuditService,
  ) {}

  list(p: Principal, query: z.output<typeof listHospitalsQuery>) {
    return this.hospitals.search({ hospitalIds: p.hospitalIds, ...query });
  }

  async get(p: Principal, id: string): Promise<Hospital> {
    const hospital = await this.hospitals.getById(id);
    if (!hospital) throw notFoundError('hospital', id);
    await this.access.assertReadable(p, 'hospital', id, id);
    return hospital;
  }

  create(input: z.output<typeof createHospitalBody>): Promise<Hospital> {
    return this.db.transaction(async () => {
      const hospital = Object.assign(new Hospital(), { id: randomUUID(), ...input });
      await this.hospitals.save(hospital).catch(duplicateCode);
      await this.audit.record({ action: 'create', entityType: 'hospital', entityId: hospital.id, hospitalId: hospital.id, after: hospital });
      return hospital;
    });
  }

  update(p: Principal, id: string, input: z.output<typeof updateHospitalBody>): Promise<Hospital> {
    return this.db.transaction(async () => {
      const hospital = await this.get(p, id);
      const before = { ...hospital };
      Object.assign(hospital, input);
      await this.hospitals.save(hospital).catch(duplicateCode);
      await this.audit.record({ action: 'update', entityType: 'hospital', entityId: id, hospitalId: id, before, after: hospital });
      return hospital;
    });
  }

  delete(p: Principal, id: string): Promise<void> {
    return this.db.transaction(async () => {
      const hospital = await this.get(p, id);
      await this.hospitals.delete(id).catch((err) => {
        if (mysqlErrno(err) === ER_ROW_IS_REFERENCED) {
          throw conflict('HOSPITAL_IN_USE', 'hospital still has sites, kiosks, rules or users; remove them first');
        }
        throw err;
      });
      await this.audit.record({ action: 'delete', entityType: 'hospital', entityId: id, hospitalId: id, before: hospital });
    });
  }
}

function duplicateCode(err: unknown): never {
  if (mysqlErrno(err) === ER_DUP_ENTRY) throw conflict('HOSPITAL_CODE_TAKEN', 'another hospital has this code', 'code');
  throw err;
}
