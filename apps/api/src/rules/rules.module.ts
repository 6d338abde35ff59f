import { Module } from '@nestjs/common';
import { EntityNamesService } from '../audit/entity-names.service';
import { HospitalsModule } from '../hospitals/hospitals.module';
import { KiosksModule } from '../kiosks/kiosks.module';
import { ScheduleChangesModule } from '../common/schedule-changes.module';
import { SitesModule } from '../sites/sites.module';
import { RulesController } from './rules.controller';
import { RulesRepository } from './rules.repository';
import { RulesService } from './rules.service';

@Module({
  imports: [HospitalsModule, SitesModule, KiosksModule, ScheduleChangesModule],
  controllers: [RulesController],
  providers: [RulesRepository, RulesService],
  exports: [RulesRepository, RulesService],
})
export class RulesModule {
  /** The audit log names power rules through their repository, never their table. */
  constructor(names: EntityNamesService, rules: RulesRepository) {
    names.provide('power_rule', rules);
  }
}
