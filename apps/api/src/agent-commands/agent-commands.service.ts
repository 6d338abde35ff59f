import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { badRequest, conflict, notFound } from '../common/errors';
import { Database } from '../database/database.service';
import type { AgentCommand, CancelCommand, NewPowerCommand, PowerCommand } from './agent-command';
import { CommandNotifier } from './command-notifier';
import { CommandRecordsRepository, CommandReport, type CommandResultInput } from './command-records.repository';
import { PendingCommandsRepository } from './pending-commands.repository';

const newCommandId = (prefix: 'cmd' | 'cnl') => `${prefix}_${randomBytes(12).toString('base64url')}`;

/**
 * Commands for agents (PROTOCOL.md "Commands"): issued here by the console and,
 * later, by dispatch; delivered by long poll until the agent reports a result or
 * the command expires; cancelled by delivering a `cancel`.
 */
@Injectable()
export class AgentCommandsService {
  constructor(
    private readonly db: Database,
    private readonly pending: PendingCommandsRepository,
    private readonly records: CommandRecordsRepository,
    private readonly notifier: CommandNotifier,
  ) {}

  /** Queues one command for one agent; a poll waiting for it anywhere answers at once. */
  async enqueue(agentId: string, command: NewPowerCommand): Promise<PowerCommand> {
    const [issued] = await this.enqueueMany([{ agentId, command }]);
    return issued;
  }

  /**
   * Queues commands for several agents: all recorded in MySQL, then all made
   * pending in one Redis transaction. `beforeDelivery` runs inside the same
   * database transaction (for the caller's audit entries): if it fails, nothing is sent.
   */
  async enqueueMany(
    items: Array<{ agentId: string; command: NewPowerCommand }>,
    beforeDelivery?: (issued: Array<{ agentId: string; command: PowerCommand }>) => Promise<void>,
  ): Promise<PowerCommand[]> {
    const issued = await this.db.transaction(async () => {
      const issued = await this.record(items);
      await beforeDelivery?.(issued);
      await this.deliver(issued);
      return issued;
    });
    return issued.map((i) => i.command);
  }

  /**
   * The first half of enqueueMany for callers that deliver after their own commit
   * (dispatch: MySQL is the outbox, so a crash between the two halves is mended by
   * `redeliver`, never by issuing the command again under a new id).
   */
  async record(
    items: Array<{ agentId: string; command: NewPowerCommand }>,
  ): Promise<Array<{ agentId: string; command: PowerCommand }>> {
    const now = new Date();
    for (const { command } of items) {
      if (command.expiresAt.getTime() <= now.getTime())
        throw badRequest('COMMAND_EXPIRED', 'expiresAt: must be in the future', 'expiresAt');
      if (command.expiresAt.getTime() <= command.dueAt.getTime())
        throw badRequest('COMMAND_EXPIRED', 'expiresAt: must be after dueAt', 'expiresAt');
    }
    const issued = items.map(({ agentId, command }) => ({
      agentId,
      command: {
        id: newCommandId('cmd'),
        type: command.type,
        dueAt: command.dueAt.toISOString(),
        expiresAt: command.expiresAt.toISOString(),
        targets: command.targets,
      } satisfies PowerCommand,
    }));
    await this.records.insertIssued(
      issued.map(({ agentId, command }) => ({
        id: command.id,
        agentId,
        type: command.type,
        dueAt: new Date(command.dueAt),
        expiresAt: new Date(command.expiresAt),
        cancels: null,
        body: command,
        createdAt: now,
      })),
    );
    return issued;
  }

  /** Makes recorded commands pending (idempotent: a command id is stored once per agent). */
  async deliver(issued: Array<{ agentId: string; command: PowerCommand }>): Promise<void> {
    await this.pending.add(
      issued.map(({ agentId, command }) => ({ agentId, command, expiresAtMs: Date.parse(command.expiresAt) })),
    );
  }

  /**
   * Delivers again, under their own ids, recorded commands that are neither
   * reported, cancelled nor expired: what a crash between recording and delivery
   * left behind. Returns how many were put back.
   */
  async redeliver(commands: Array<{ agentId: string; commandId: string }>, now = new Date()): Promise<number> {
    const bodies = await this.records.undeliveredBodies(commands, now);
    await this.pending.add(
      bodies.map(({ agentId, command }) => ({ agentId, command, expiresAtMs: Date.parse(command.expiresAt) })),
    );
    return bodies.length;
  }

  /**
   * Withdraws a command the agent has not reported yet: it is no longer delivered,
   * and a `cancel` naming it is delivered instead until it expires (the agent
   * may already hold the command and must drop it).
   */
  cancel(agentId: string, commandId: string): Promise<CancelCommand> {
    return this.db.transaction(async () => {
      const stored = await this.pending.get(agentId, commandId);
      if (!stored || stored.command.type === 'cancel') {
        const issued = await this.records.getIssued(commandId, agentId);
        if (!issued || issued.type === 'cancel')
          throw notFound('COMMAND_NOT_FOUND', `command ${commandId} was not sent to agent ${agentId}`);
        if (await this.records.hasResult(commandId, agentId))
          throw conflict('COMMAND_ALREADY_REPORTED', 'the agent has already reported this command');
        throw conflict(
          'COMMAND_NOT_PENDING',
          issued.cancelledAt ? 'the command is already cancelled' : 'the command has expired',
        );
      }
      const now = new Date();
      const cancel: CancelCommand = { id: newCommandId('cnl'), type: 'cancel', cancels: commandId };
      await this.records.insertIssued([
        {
          id: cancel.id,
          agentId,
          type: 'cancel',
          dueAt: null,
          expiresAt: new Date(stored.expiresAtMs),
          cancels: commandId,
          body: cancel,
          createdAt: now,
        },
      ]);
      await this.records.markCancelled(commandId, agentId, now);
      await this.pending.add([{ agentId, command: cancel, expiresAtMs: stored.expiresAtMs, replaces: commandId }]);
      return cancel;
    });
  }

  /**
   * Long poll: answers as soon as the agent has a command its last answer did not
   * carry, or after `waitMs` with everything still pending (redelivery until a
   * result arrives, PROTOCOL.md). Commands the agent already holds do not end a
   * poll early: otherwise an agent holding a command due in a minute would poll
   * in a tight loop until then. Ends early when the process shuts down (with what
   * there is) or the client goes away (with nothing, and recording nothing as
   * delivered); the listener is removed in every case.
   */
  async poll(agentId: string, waitMs: number, signal: AbortSignal): Promise<AgentCommand[]> {
    const deadline = Date.now() + waitMs;
    let wake: () => void = () => {};
    let changed = new Promise<void>((resolve) => (wake = resolve));
    const stopListening = this.notifier.listen(agentId, () => wake());
    const onAbort = () => wake();
    signal.addEventListener('abort', onAbort);
    try {
      for (;;) {
        // Nobody reads the answer of a client that went away: nothing to record.
        if (signal.aborted) return [];
        const left = deadline - Date.now();
        const step = await this.pending.pollStep(agentId, left <= 0 || this.notifier.isClosing);
        if (step.answer) return step.commands;
        const timer = setTimeout(() => wake(), left);
        await changed;
        clearTimeout(timer);
        changed = new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      stopListening();
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** Stores the agent's result once and stops delivering the command. 404 for a command not sent to this agent. */
  /** Stores an agent's result of its command; true for the first report, false for a resend. */
  async recordResult(agentId: string, commandId: string, result: CommandResultInput): Promise<boolean> {
    const known =
      (await this.pending.has(agentId, commandId)) || (await this.records.getIssued(commandId, agentId)) !== null;
    if (!known) throw notFound('COMMAND_NOT_FOUND', `command ${commandId} was not sent to this agent`);
    const first = await this.records.insertResult(commandId, agentId, result, new Date());
    await this.pending.remove(agentId, commandId);
    return first;
  }

  /** What became of these commands: cancelled, reported (started, finished, per kiosk ok or error) or neither yet. */
  reportsOf(commands: Array<{ agentId: string; commandId: string }>): Promise<CommandReport[]> {
    return this.records.reportsOf(commands);
  }
}
