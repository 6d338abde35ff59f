/**
 * Runs commands at their `dueAt` by this Pi's own (NTP-synced) clock: queue and
 * network delays upstream never make a wake late. Rules from PROTOCOL.md:
 * at once if `dueAt` has passed, never after `expiresAt`, once per id even if
 * delivered twice, and a `cancel` drops a command that has not started.
 */
import type { Logger } from '../log';
import type { AgentCommand, CancelCommand, CommandResult, PowerCommand, TargetOutcome } from '../protocol';
import type { CommandLedger } from './command-ledger';
import { afterThisTurn } from './check-phase';
import { instantTimers, type InstantTimers } from './instant-timers';

export type ExecuteCommand = (command: PowerCommand) => Promise<TargetOutcome[]>;
export type ReportResult = (commandId: string, result: CommandResult) => void;

const MAX_ERROR_LENGTH = 500;

export class CommandRunner {
  /**
   * Called at the moment a due command is started, after it is recorded in the ledger
   * and before it runs: for measurements (bench/dispatch-fleet.ts). A plain function,
   * not an event: the fleet bench starts 2,500 commands in one loop, and an emitter's
   * dispatch there was a tenth to a quarter of the loop it measured.
   */
  onStarted?: (command: PowerCommand) => void;

  private readonly scheduled = new Map<string, { command: PowerCommand; expiresAt: number; cancelTimer: () => void }>();
  private readonly running = new Set<Promise<void>>();
  /** Fired, waiting for the check phase to run. */
  private starting = 0;

  constructor(
    private readonly deps: {
      execute: ExecuteCommand;
      report: ReportResult;
      ledger: CommandLedger;
      log: Logger;
      /** Defaults to the process's shared instance. */
      timers?: InstantTimers;
      /** Called when a command is scheduled for later, to get ready for it (open sockets, build packets). */
      prepare?: (command: PowerCommand) => void;
    },
  ) {}

  deliver(commands: AgentCommand[]): void {
    for (const command of commands) {
      if (command.type === 'cancel') this.cancel(command);
      else this.schedule(command);
    }
  }

  /** Commands waiting for their dueAt, by id. */
  get waiting(): string[] {
    return [...this.scheduled.keys()];
  }

  /** Resolves when every command already started has finished (for shutdown and tests). */
  async idle(): Promise<void> {
    while (this.running.size > 0 || this.starting > 0) {
      if (this.running.size > 0) await Promise.all([...this.running]);
      else await new Promise((resolve) => setImmediate(resolve));
    }
  }

  stop(): void {
    for (const { cancelTimer } of this.scheduled.values()) cancelTimer();
    this.scheduled.clear();
  }

  private schedule(command: PowerCommand): void {
    if (this.scheduled.has(command.id)) return;
    const seen = this.deps.ledger.get(command.id);
    if (seen) {
      this.deps.log.debug('command already handled; ignoring repeat delivery', { commandId: command.id, state: seen });
      return;
    }
    const expiresAt = Date.parse(command.expiresAt);
    if (Date.now() >= expiresAt) {
      this.expire(command);
      return;
    }
    this.arm(command, expiresAt);
  }

  private arm(command: PowerCommand, expiresAt: number): void {
    const dueAt = Date.parse(command.dueAt);
    const cancelTimer = (this.deps.timers ?? instantTimers).at(dueAt, () => this.fire(command.id));
    this.scheduled.set(command.id, { command, expiresAt, cancelTimer });
    if (dueAt > Date.now()) {
      this.deps.prepare?.(command);
      this.deps.log.info('command scheduled', { commandId: command.id, type: command.type, dueAt: command.dueAt });
    }
  }

  private fire(id: string): void {
    const entry = this.scheduled.get(id);
    if (!entry) return;
    this.scheduled.delete(id);
    const { command, expiresAt } = entry;
    const now = Date.now();
    if (now >= expiresAt) {
      this.expire(command);
      return;
    }
    // Recorded before running: after a crash mid-run we prefer "not repeated" to
    // "done twice" (a second shutdown of a kiosk that just booted would hurt).
    this.deps.ledger.record(command.id, 'started', expiresAt);
    this.onStarted?.(command);
    // The sending waits for the check phase of this turn of the event loop: every
    // command due at this instant (one per subnet, a wake and a shutdown, or many
    // simulated agents in one process) is started and recorded before any of them
    // spends its time on sockets, instead of the last one waiting for the others' packets.
    const startedAt = new Date(now);
    this.starting++;
    afterThisTurn(() => {
      this.starting--;
      const run: Promise<void> = this.run(command, startedAt).finally(() => this.running.delete(run));
      this.running.add(run);
    });
  }

  private async run(command: PowerCommand, startedAt: Date): Promise<void> {
    const lateMs = startedAt.getTime() - Date.parse(command.dueAt);
    this.deps.log.info('command started', {
      commandId: command.id,
      type: command.type,
      lateMs,
      targets: command.targets.length,
    });
    let targets: TargetOutcome[];
    try {
      // Never runs unless its ledger line is written (a full disk fails the command).
      this.deps.ledger.flush();
      targets = await this.deps.execute(command);
    } catch (err) {
      targets = command.targets.map((t) => ({ kioskId: t.kioskId, ok: false, error: (err as Error).message }));
    }
    // The API keeps error texts short (stderr of a failing ssh can be long).
    targets = targets.map((t) =>
      t.error && t.error.length > MAX_ERROR_LENGTH ? { ...t, error: t.error.slice(0, MAX_ERROR_LENGTH - 1) + '…' } : t,
    );
    const result: CommandResult = {
      status: targets.every((t) => t.ok) ? 'done' : 'failed',
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      targets,
    };
    this.deps.log.info('command finished', {
      commandId: command.id,
      status: result.status,
      failed: targets.filter((t) => !t.ok).length,
    });
    this.deps.report(command.id, result);
  }

  private expire(command: PowerCommand): void {
    this.deps.ledger.record(command.id, 'expired', Date.parse(command.expiresAt));
    this.deps.log.warn('command expired before it could run', { commandId: command.id, expiresAt: command.expiresAt });
    const now = new Date().toISOString();
    this.deps.report(command.id, {
      status: 'failed',
      startedAt: now,
      finishedAt: now,
      targets: command.targets.map((t) => ({ kioskId: t.kioskId, ok: false, error: 'COMMAND_EXPIRED' })),
    });
  }

  private cancel(cancel: CancelCommand): void {
    if (this.deps.ledger.get(cancel.id)) return;
    const target = this.scheduled.get(cancel.cancels);
    const already = this.deps.ledger.get(cancel.cancels);
    if (target) {
      target.cancelTimer();
      this.scheduled.delete(cancel.cancels);
      this.deps.ledger.record(cancel.cancels, 'cancelled', Date.parse(target.command.expiresAt));
      this.deps.log.info('command cancelled', { commandId: cancel.cancels, cancelId: cancel.id });
    } else if (!already) {
      // The cancel overtook its command (or we restarted): remember it, so the
      // command is dropped if it is delivered after all.
      this.deps.ledger.record(cancel.cancels, 'cancelled');
      this.deps.log.info('cancel for a command not seen yet; recorded', {
        commandId: cancel.cancels,
        cancelId: cancel.id,
      });
    } else {
      this.deps.log.warn('cancel arrived too late; command already handled', {
        commandId: cancel.cancels,
        state: already,
      });
    }
    this.deps.ledger.record(cancel.id, 'started');
    const now = new Date().toISOString();
    // The cancel is itself a command: reporting it stops its redelivery.
    this.deps.report(cancel.id, {
      status: target || !already ? 'done' : 'failed',
      startedAt: now,
      finishedAt: now,
      targets: [],
    });
  }
}
