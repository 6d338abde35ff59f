import { Module } from '@nestjs/common';
import { HospitalsModule } from '../hospitals/hospitals.module';
import { KiosksModule } from '../kiosks/kiosks.module';
import { UserLocksRepository } from '../redis/user-locks.repository';
import { RulesModule } from '../rules/rules.module';
import { SitesModule } from '../sites/sites.module';
import { CalendarController } from './calendar.controller';
import { CalendarService } from './calendar.service';
import { HospitalSchedule } from './hospital-schedule';
import { ScheduleController } from './schedule.controller';
import { ScheduleService } from './schedule.service';

@Module({
  imports: [KiosksModule, SitesModule, RulesModule, HospitalsModule],
  controllers: [ScheduleController, CalendarController],
  providers: [ScheduleService, CalendarService, UserLocksRepository, HospitalSchedule],
  exports: [ScheduleService, HospitalSchedule],
})
export class ScheduleModule {}
