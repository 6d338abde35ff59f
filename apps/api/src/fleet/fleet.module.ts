import { Module } from '@nestjs/common';
import { DispatchRecordsModule } from '../dispatch/dispatch-records.module';
import { KiosksModule } from '../kiosks/kiosks.module';
import { ScheduleModule } from '../schedule/schedule.module';
import { SitesModule } from '../sites/sites.module';
import { FleetOverviewRepository } from './fleet-overview.repository';
import { FleetOverviewService } from './fleet-overview.service';
import { FleetController } from './fleet.controller';
import { FleetRepository } from './fleet.repository';
import { FleetService } from './fleet.service';

@Module({
  imports: [SitesModule, KiosksModule, ScheduleModule, DispatchRecordsModule],
  controllers: [FleetController],
  providers: [FleetRepository, FleetService, FleetOverviewRepository, FleetOverviewService],
  exports: [FleetRepository],
})
export class FleetModule {}
