import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { AlertsModule } from '../alerts/alerts.module';
import { FleetModule } from '../fleet/fleet.module';
import { KiosksModule } from '../kiosks/kiosks.module';
import { OpsModule } from '../ops/ops.module';
import { SitesModule } from '../sites/sites.module';
import { AgentCommandsService } from './outbox/agent-commands.service';
import { AgentPlanService } from './agent-plan.service';
import { AgentEnrolmentController, AgentProtocolController } from './agent-protocol.controller';
import { AgentReportsRepository } from './agent-reports.repository';
import { AgentReportsService } from './agent-reports.service';
import { AgentTokenGuard } from './agent-token.guard';
import { CommandNotifier } from './outbox/command-notifier';
import { CommandRecordsRepository } from './outbox/command-records.repository';
import { KioskLivenessController } from '../fleet/kiosk-liveness.controller';
import { KioskLivenessService } from '../fleet/kiosk-liveness.service';
import { PendingCommandsRepository } from './outbox/pending-commands.repository';
import { SiteCommandsService } from '../dispatch/site-commands.service';

/**
 * The agents' side of the API (PROTOCOL.md, `/api/agent/v1`) and the console views
 * built on it: probes for a site's kiosks (the route is dispatch's) and kiosk liveness.
 * `AgentCommandsService` is the one way to send a command to an agent.
 */
@Module({
  imports: [AgentsModule, AlertsModule, KiosksModule, SitesModule, FleetModule, OpsModule],
  controllers: [AgentEnrolmentController, AgentProtocolController, KioskLivenessController],
  providers: [
    AgentTokenGuard,
    PendingCommandsRepository,
    CommandNotifier,
    CommandRecordsRepository,
    AgentCommandsService,
    AgentReportsRepository,
    AgentReportsService,
    AgentPlanService,
    SiteCommandsService,
    KioskLivenessService,
  ],
  exports: [AgentCommandsService, KioskLivenessService, CommandNotifier, SiteCommandsService],
})
export class AgentProtocolModule {}
