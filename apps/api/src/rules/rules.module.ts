import { ScheduleChangesModule } from '../schedule/schedule-changes.module';
import { Module } from '@nestjs/common';
import { HospitalsModule } from '../hospitals/hospitals.module';
import { KiosksModule } from '../kiosks/kiosks.module';
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
export class RulesModule {}
