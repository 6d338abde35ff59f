import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { KiosksModule } from '../kiosks/kiosks.module';
import { SitesModule } from '../sites/sites.module';
import { KioskLivenessController } from './kiosk-liveness.controller';
import { KioskLivenessService } from './kiosk-liveness.service';
import { KioskProbesService } from './kiosk-probes.service';
import { LivenessRepository } from './liveness.repository';

/**
 * Whether each kiosk is up, as its site's agents see it: owns kiosk_probes and
 * kiosk_liveness_changes. The agent protocol hands probes in; the fleet view and
 * dispatch's verification read what they say (kiosk-states.ts: one rule of "up").
 */
@Module({
  imports: [SitesModule, KiosksModule, AlertsModule],
  controllers: [KioskLivenessController],
  providers: [LivenessRepository, KioskLivenessService, KioskProbesService],
  exports: [LivenessRepository, KioskProbesService],
})
export class LivenessModule {}
