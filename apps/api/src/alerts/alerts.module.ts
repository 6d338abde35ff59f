import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { KiosksModule } from '../kiosks/kiosks.module';
import { SitesModule } from '../sites/sites.module';
import { AgentHealthService } from './agent-health.service';
import { AlertEvents } from './alert-events';
import { AlertsController } from './alerts.controller';
import { AlertsQueue } from './alerts-queue';
import { AlertsRepository } from './alerts.repository';
import { AlertsService } from './alerts.service';
import { AlertsWorker } from './alerts.worker';
import { OccurrenceAlertsService } from './occurrence-alerts.service';

/** Alerts: one per cause, acknowledged by ops; the agents' health check; events for notifications. */
@Module({
  imports: [AgentsModule, KiosksModule, SitesModule],
  controllers: [AlertsController],
  providers: [AlertsRepository, AlertsService, AlertEvents, OccurrenceAlertsService, AgentHealthService, AlertsQueue, AlertsWorker],
  exports: [AlertsService, AlertsRepository, AlertEvents, OccurrenceAlertsService, AgentHealthService],
})
export class AlertsModule {}
