import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { DispatchRecordsModule } from '../dispatch/dispatch-records.module';
import { KiosksModule } from '../kiosks/kiosks.module';
import { ScheduleModule } from '../schedule/schedule.module';
import { SitesModule } from '../sites/sites.module';
import { FleetOverviewRepository } from './fleet-overview.repository';
import { FleetOverviewService } from './fleet-overview.service';
import { FleetController } from './fleet.controller';
import { FleetRepository } from './fleet.repository';
import { FleetService } from './fleet.service';
import { KioskLivenessController } from './kiosk-liveness.controller';
import { KioskLivenessService } from './kiosk-liveness.service';
import { KioskProbesService } from './kiosk-probes.service';

/**
 * The fleet: what each kiosk should be (schedule) and is (the agents' probes). Owns
 * kiosk_probes and kiosk_liveness_changes; the agent protocol hands probes in.
 */
@Module({
  imports: [SitesModule, KiosksModule, ScheduleModule, DispatchRecordsModule, AlertsModule],
  controllers: [FleetController, KioskLivenessController],
  providers: [FleetRepository, FleetService, FleetOverviewRepository, FleetOverviewService, KioskLivenessService, KioskProbesService],
  exports: [FleetRepository, KioskProbesService],
})
export class FleetModule {}
