import { Module } from '@nestjs/common';
import { EntityNamesService } from '../audit/entity-names.service';
import { HospitalsController } from './hospitals.controller';
import { HospitalsRepository } from './hospitals.repository';
import { HospitalsService } from './hospitals.service';

@Module({
  controllers: [HospitalsController],
  providers: [HospitalsRepository, HospitalsService],
  exports: [HospitalsRepository],
})
export class HospitalsModule {
  /** The audit log names hospitals through their repository, never their table. */
  constructor(names: EntityNamesService, hospitals: HospitalsRepository) {
    names.provide('hospital', hospitals);
  }
}
