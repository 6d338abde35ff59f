import { ScheduleChangesModule } from '../schedule/schedule-changes.module';
import { Module } from '@nestjs/common';
import { HospitalsModule } from '../hospitals/hospitals.module';
import { SitesController } from './sites.controller';
import { SitesRepository } from './sites.repository';
import { SitesService } from './sites.service';

@Module({
  imports: [HospitalsModule, ScheduleChangesModule],
  controllers: [SitesController],
  providers: [SitesRepository, SitesService],
  exports: [SitesRepository, SitesService],
})
export class SitesModule {}
