import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module';
import { AuthModule } from '../auth/auth.module';
import { KiosksModule } from '../kiosks/kiosks.module';
import { SitesModule } from '../sites/sites.module';
import { UsersModule } from '../users/users.module';
import { AgentRelayHub } from './agent-relay.hub';
import { RelayRegistryRepository } from './relay-registry.repository';
import { RelayReplicas } from './relay-replicas';
import { RemoteSessionsRepository } from './remote-sessions.repository';
import { RemoteController } from './remote.controller';
import { RemoteGateway } from './remote.gateway';
import { RemoteService } from './remote.service';
import { RemoteTargets } from './remote-targets';
import { ScreenTicketsRepository } from './screen-tickets.repository';
import { ViewerSlotsRepository } from './viewer-slots.repository';

/**
 * Remote screens (DESIGN.md): noVNC in the console, relayed by the API to a kiosk's
 * VNC port directly or through an agent's outbound relay channel.
 */
@Module({
  imports: [AuthModule, AgentsModule, KiosksModule, SitesModule, UsersModule],
  controllers: [RemoteController],
  providers: [
    RemoteService,
    RemoteTargets,
    RemoteGateway,
    AgentRelayHub,
    RelayReplicas,
    RelayRegistryRepository,
    RemoteSessionsRepository,
    ScreenTicketsRepository,
    ViewerSlotsRepository,
  ],
  // Tests drive the rebalancing and read the replica's id.
  exports: [RelayReplicas],
})
export class RemoteModule {}
