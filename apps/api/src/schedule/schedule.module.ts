import { Module } from '@nestjs/common';
import { KiosksModule } from '../kiosks/kiosks.module';
import { RulesModule } from '../rules/rules.module';
import { SitesModule } from '../sites/sites.module';
import { ScheduleController } from './schedule.controller';
import { ScheduleService } from './schedule.service';

@Module({
  imports: [KiosksModule, SitesModule, RulesModule],
  controllers: [ScheduleController],
  providers: [ScheduleService],
  exports: [ScheduleService],
})
export class ScheduleModule {}
