import { ScheduleChangesModule } from '../schedule/schedule-changes.module';
import { Global, Module } from '@nestjs/common';
import { AgentProtocolModule } from '../agent-protocol/agent-protocol.module';
import { AgentsModule } from '../agents/agents.module';
import { AlertsModule } from '../alerts/alerts.module';
import { FleetModule } from '../fleet/fleet.module';
import { KiosksModule } from '../kiosks/kiosks.module';
import { ScheduleModule } from '../schedule/schedule.module';
import { SitesModule } from '../sites/sites.module';
import { DispatchQueue } from './dispatch-queue';
import { DispatchController } from './dispatch.controller';
import { DispatchHistoryService } from './dispatch-history.service';
import { DispatchRecordsModule } from './dispatch-records.module';
import { DispatchWorker } from './dispatch.worker';
import { DispatcherService } from './dispatcher.service';
import { PlannedTransitionsRepository } from './planned-transitions.repository';
import { PlannerService } from './planner.service';
import { PowerCommandLocksRepository } from './power-command-locks.repository';
import { PowerCommandsController } from './power-commands.controller';
import { PowerCommandsService } from './power-commands.service';
import { ReplanService } from './replan.service';
import { VerificationService } from './verification.service';

/** Planner, fan-out and verification (DESIGN.md "Dispatch"). ReplanService listens to schedule/'s change notices: changes anywhere re-plan. */
@Global()
@Module({
  imports: [SitesModule, KiosksModule, ScheduleModule, ScheduleChangesModule, AgentsModule, AgentProtocolModule, AlertsModule, FleetModule, DispatchRecordsModule],
  controllers: [DispatchController, PowerCommandsController],
  providers: [DispatchQueue, PlannedTransitionsRepository, PlannerService, DispatcherService, VerificationService, DispatchWorker, ReplanService, DispatchHistoryService, PowerCommandsService, PowerCommandLocksRepository],
  exports: [ReplanService, PlannerService, DispatchQueue],
})
export class DispatchModule {}
