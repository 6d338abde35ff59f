import { Global, Module } from '@nestjs/common';
import { AgentProtocolModule } from '../agent-protocol/agent-protocol.module';
import { AgentsModule } from '../agents/agents.module';
import { AlertsModule } from '../alerts/alerts.module';
import { FleetModule } from '../fleet/fleet.module';
import { KiosksModule } from '../kiosks/kiosks.module';
import { RulesModule } from '../rules/rules.module';
import { SitesModule } from '../sites/sites.module';
import { DispatchQueue } from './dispatch-queue';
import { DispatchController } from './dispatch.controller';
import { DispatchRepository } from './dispatch.repository';
import { DispatchWorker } from './dispatch.worker';
import { DispatcherService } from './dispatcher.service';
import { PlannerService } from './planner.service';
import { ReplanService } from './replan.service';
import { VerificationService } from './verification.service';

/** Planner, fan-out and verification (DESIGN.md "Dispatch"). ReplanService is global: changes anywhere re-plan. */
@Global()
@Module({
  imports: [SitesModule, KiosksModule, RulesModule, AgentsModule, AgentProtocolModule, AlertsModule, FleetModule],
  controllers: [DispatchController],
  providers: [DispatchQueue, DispatchRepository, PlannerService, DispatcherService, VerificationService, DispatchWorker, ReplanService],
  exports: [ReplanService, PlannerService, DispatchQueue],
})
export class DispatchModule {}
