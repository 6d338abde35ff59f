import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { OpsModule } from '../ops/ops.module';
import { SitesModule } from '../sites/sites.module';
import { AlertEvaluationService } from './alert-evaluation.service';
import { AlertWebhookService } from './alert-webhook.service';
import { EnvironmentService } from './environment.service';
import { ReadingsIngestService } from './readings-ingest.service';
import { ReadingsRepository } from './readings.repository';
import { RetentionService } from './retention.service';
import { RollupService } from './rollup.service';
import { RollupsRepository } from './rollups.repository';
import { SiteEnvironmentRepository } from './site-environment.repository';
import { TelemetryController } from './telemetry.controller';
import { TelemetryQueue } from './telemetry-queue';
import { TelemetryWorker } from './telemetry.worker';
import { ThresholdsService } from './thresholds.service';

/** Environment telemetry (DESIGN.md "Environment", README.md beside this file): readings in, rollups, thresholds, retention. */
@Module({
  imports: [SitesModule, AlertsModule, OpsModule],
  controllers: [TelemetryController],
  providers: [
    ReadingsRepository,
    ReadingsIngestService,
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
  // The agent protocol hands agents' readings in here.
  exports: [ReadingsIngestService],
})
export class TelemetryModule {}
