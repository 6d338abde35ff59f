import { Module } from '@nestjs/common';
import { AgentCommandsModule } from '../agent-commands/agent-commands.module';
import { AgentsModule } from '../agents/agents.module';
import { AlertsModule } from '../alerts/alerts.module';
import { LivenessModule } from '../liveness/liveness.module';
import { KiosksModule } from '../kiosks/kiosks.module';
import { UserLocksRepository } from '../redis/user-locks.repository';
import { ScheduleChangesModule } from '../common/schedule-changes.module';
import { ScheduleModule } from '../schedule/schedule.module';
import { SitesModule } from '../sites/sites.module';
import { DispatchQueue } from './dispatch-queue';
import { DispatchController } from './dispatch.controller';
import { DispatchHistoryService } from './dispatch-history.service';
import { DispatchRecordsModule } from './dispatch-records.module';
import { DispatchWorker } from './dispatch.worker';
import { DispatcherService } from './dispatcher.service';
import { OfflineActionsRepository } from './offline-actions.repository';
import { OfflineActionsService } from './offline-actions.service';
import { PlannedTransitionsRepository } from './planned-transitions.repository';
import { PlannerService } from './planner.service';
import { PowerCommandsController } from './power-commands.controller';
import { PowerCommandsService } from './power-commands.service';
import { ReplanService } from './replan.service';
import { SiteCommandsService } from './site-commands.service';
import { VerificationService } from './verification.service';

/**
 * Planner, fan-out and verification (DESIGN.md "Dispatch"), staff power commands and
 * what agents did offline. ReplanService listens to the schedule change notices
 * (common/schedule-changes.ts): changes anywhere re-plan without importing this module.
 * Sends through the command outbox; the agent protocol's controllers call in here.
 */
@Module({
  imports: [SitesModule, KiosksModule, ScheduleModule, ScheduleChangesModule, AgentsModule, AgentCommandsModule, AlertsModule, LivenessModule, DispatchRecordsModule],
  controllers: [DispatchController, PowerCommandsController],
  providers: [DispatchQueue, PlannedTransitionsRepository, PlannerService, DispatcherService, VerificationService, DispatchWorker, ReplanService, DispatchHistoryService, PowerCommandsService, UserLocksRepository, SiteCommandsService, OfflineActionsRepository, OfflineActionsService],
  exports: [PlannerService, OfflineActionsService],
})
export class DispatchModule {}
