import { Module } from '@nestjs/common';
import { EntityNamesService } from '../audit/entity-names.service';
import { SitesModule } from '../sites/sites.module';
import { AgentAuthCache } from './agent-auth-cache';
import { AgentCredentialsController } from './agent-credentials.controller';
import { AgentCredentialsService } from './agent-credentials.service';
import { AgentsController } from './agents.controller';
import { AgentsRepository } from './agents.repository';
import { AgentsService } from './agents.service';
import { EnrolmentCodesRepository } from './enrolment-codes.repository';
import { HeartbeatRecorder } from './heartbeat-recorder';

@Module({
  imports: [SitesModule],
  controllers: [AgentsController, AgentCredentialsController],
  providers: [AgentsRepository, AgentsService, EnrolmentCodesRepository, AgentCredentialsService, HeartbeatRecorder, AgentAuthCache],
  exports: [AgentsRepository, AgentsService, AgentCredentialsService, HeartbeatRecorder, AgentAuthCache],
})
export class AgentsModule {
  /** The audit log names agents through their repository, never their table. */
  constructor(names: EntityNamesService, agents: AgentsRepository) {
    names.provide('agent', agents);
  }
}
