import { Module } from '@nestjs/common';
import { EntityNamesService } from '../audit/entity-names.service';
import { HospitalsModule } from '../hospitals/hospitals.module';
import { ScheduleChangesModule } from '../common/schedule-changes.module';
import { SitesController } from './sites.controller';
import { SitesRepository } from './sites.repository';
import { SitesService } from './sites.service';

@Module({
  imports: [HospitalsModule, ScheduleChangesModule],
  controllers: [SitesController],
  providers: [SitesRepository, SitesService],
  exports: [SitesRepository, SitesService],
})
export class SitesModule {
  /** The audit log names sites through their repository, never their table. */
  constructor(names: EntityNamesService, sites: SitesRepository) {
    names.provide('site', sites);
  }
}
