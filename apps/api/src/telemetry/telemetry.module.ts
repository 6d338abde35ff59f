import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { SitesModule } from '../sites/sites.module';
import { AlertEvaluationService } from './alert-evaluation.service';
import { AlertWebhookService } from './alert-webhook.service';
import { EnvironmentService } from './environment.service';
import { ReadingsRepository } from './readings.repository';
import { RetentionService } from './retention.service';
import { RollupService } from './rollup.service';
import { RollupsRepository } from './rollups.repository';
import { SiteEnvironmentRepository } from './site-environment.repository';
import { TelemetryController } from './telemetry.controller';
import { TelemetryQueue } from './telemetry-queue';
import { TelemetryWorker } from './telemetry.worker';
import { ThresholdsService } from './thresholds.service';

/** Environment telemetry (DESIGN.md "Environment", README.md beside this file). */
@Module({
  imports: [SitesModule, AlertsModule],
  controllers: [TelemetryController],
  providers: [
    ReadingsRepository,
    RollupsRepository,
    SiteEnvironmentRepository,
    TelemetryQueue,
    RollupService,
    RetentionService,
    ThresholdsService,
    EnvironmentService,
    AlertEvaluationService,
    AlertWebhookService,
    TelemetryWorker,
  ],
})
export class TelemetryModule {}
