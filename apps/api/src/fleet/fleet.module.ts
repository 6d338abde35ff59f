import { Module } from '@nestjs/common';
import { DispatchRecordsModule } from '../dispatch/dispatch-records.module';
import { KiosksModule } from '../kiosks/kiosks.module';
import { LivenessModule } from '../liveness/liveness.module';
import { ScheduleModule } from '../schedule/schedule.module';
import { SitesModule } from '../sites/sites.module';
import { FleetOverviewRepository } from './fleet-overview.repository';
import { FleetOverviewService } from './fleet-overview.service';
import { FleetController } from './fleet.controller';
import { FleetService } from './fleet.service';

/**
 * The fleet view: what each kiosk should be (schedule, people's commands) beside what
 * it is (liveness/), per site and for every site a user may see.
 */
@Module({
  imports: [SitesModule, KiosksModule, ScheduleModule, DispatchRecordsModule, LivenessModule],
  controllers: [FleetController],
  providers: [FleetService, FleetOverviewRepository, FleetOverviewService],
})
export class FleetModule {}
