import { Module } from '@nestjs/common';
import { SitesModule } from '../sites/sites.module';
import { AgentCredentialsController } from './agent-credentials.controller';
import { AgentCredentialsService } from './agent-credentials.service';
import { AgentsController } from './agents.controller';
import { AgentsRepository } from './agents.repository';
import { AgentsService } from './agents.service';
import { EnrolmentCodesRepository } from './enrolment-codes.repository';

@Module({
  imports: [SitesModule],
  controllers: [AgentsController, AgentCredentialsController],
  providers: [AgentsRepository, AgentsService, EnrolmentCodesRepository, AgentCredentialsService],
  exports: [AgentsRepository, AgentsService, AgentCredentialsService],
})
export class AgentsModule {}
