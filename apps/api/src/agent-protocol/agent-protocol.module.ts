import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { AlertsModule } from '../alerts/alerts.module';
import { DispatchModule } from '../dispatch/dispatch.module';
import { LivenessModule } from '../liveness/liveness.module';
import { KiosksModule } from '../kiosks/kiosks.module';
import { SitesModule } from '../sites/sites.module';
import { TelemetryModule } from '../telemetry/telemetry.module';
import { AgentPlanService } from './agent-plan.service';
import { AgentEnrolmentController, AgentProtocolController } from './agent-protocol.controller';
import { AgentReportsService } from './agent-reports.service';
import { AgentTokenGuard } from './agent-token.guard';
import { AgentCommandsModule } from '../agent-commands/agent-commands.module';

/**
 * The agents' side of the API (PROTOCOL.md, `/api/agent/v1`), a thin edge: it checks
 * what agents send and hands it to the owning domain (probes to the fleet, offline
 * actions and the offline plan to dispatch, readings to telemetry). The command
 * outbox and its long poll are protocol too, in `agent-commands/`, a domain of their
 * own below dispatch, so that dispatch can send without depending on this edge.
 */
@Module({
  imports: [AgentsModule, AlertsModule, KiosksModule, SitesModule, LivenessModule, DispatchModule, TelemetryModule, AgentCommandsModule],
  controllers: [AgentEnrolmentController, AgentProtocolController],
  providers: [AgentTokenGuard, AgentReportsService, AgentPlanService],
})
export class AgentProtocolModule {}
