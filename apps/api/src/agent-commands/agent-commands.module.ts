import { Module } from '@nestjs/common';
import { AgentCommandsService } from './agent-commands.service';
import { CommandNotifier } from './command-notifier';
import { CommandRecordsRepository } from './command-records.repository';
import { PendingCommandsRepository } from './pending-commands.repository';

/**
 * The command outbox (PROTOCOL.md "Commands"): commands recorded in MySQL, pending
 * in Redis until the agent reports, and the long poll that delivers them.
 * `AgentCommandsService` is the one way to send a command to an agent; dispatch
 * uses it without the agent protocol's controllers, which use dispatch.
 */
@Module({
  providers: [PendingCommandsRepository, CommandNotifier, CommandRecordsRepository, AgentCommandsService],
  exports: [AgentCommandsService, CommandNotifier],
})
export class AgentCommandsModule {}
