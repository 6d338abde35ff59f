/**
 * Sends what the disk buffers hold — command results, offline actions, readings —
 * oldest first, as soon as there is something and the API answers. A record leaves
 * its queue only once the API has acknowledged it.
 */
import { AgentApiError, abortableSleep, retryDelay, type AgentApiClient } from '../client';
import type { AgentConfig } from '../config';
import type { Logger } from '../log';
import { MAX_READINGS_PER_REQUEST, type CommandResult, type OfflineAction, type Reading } from '../protocol';
import type { DurableQueue } from './durable-queue';

export type OutboxItem =
  { kind: 'result'; commandId: string; result: CommandResult } | { kind: 'offline-action'; action: OfflineAction };

export type StoredReading = Omit<Reading, 'seq'>;

/** Statuses after which resending the same result cannot succeed; it is dropped with a log. */
const RESULT_NOT_WANTED = new Set([400, 404, 409, 410]);
/** Look again this often even when nothing new was appended. */
const IDLE_RECHECK_MS = 30_000;

export class BufferUploader {
  private dirty = true;
  private waiter: (() => void) | undefined;
  /** A send put off by `wake(spreadMs)`, if one is pending. */
  private spreadTimer: NodeJS.Timeout | undefined;
  /** Readings per request; halved when the API answers 413. */
  private batchSize: number;

  constructor(
    private readonly deps: {
      client: AgentApiClient;
      readings: DurableQueue<StoredReading>;
      outbox: DurableQueue<OutboxItem>;
      config: AgentConfig;
      log: Logger;
      signal: AbortSignal;
    },
  ) {
    this.batchSize = Math.min(deps.config.readings.batchSize, MAX_READINGS_PER_REQUEST);
  }

  /**
   * Something was appended: send it now, or with `spreadMs`, at a random moment
   * within that many ms. Command results use the spread: a fleet whose agents all
   * fire at one instant would otherwise post thousands of results to the API in
   * the same second. What is appended is on disk either way; only the sending waits.
   */
  wake(spreadMs = 0): void {
    if (spreadMs > 0) {
      this.spreadTimer ??= setTimeout(() => {
        this.spreadTimer = undefined;
        this.wake();
      }, Math.random() * spreadMs).unref();
      return;
    }
    clearTimeout(this.spreadTimer);
    this.spreadTimer = undefined;
    this.dirty = true;
    this.waiter?.();
  }

  async run(): Promise<void> {
    const { signal, log, readings, outbox } = this.deps;
    let failures = 0;
    while (!signal.aborted) {
      try {
        this.dirty = false;
        await this.sendOutbox();
        await this.sendReadings();
        failures = 0;
        if (this.dirty) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, IDLE_RECHECK_MS);
          this.waiter = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.waiter = undefined;
      } catch (err) {
        if (signal.aborted) break;
        failures++;
        const delay = retryDelay(err, failures, this.deps.config.http);
        log.warn('sending buffered data failed; will retry', {
          error: err,
          retryInMs: delay,
          readings: readings.size,
          outbox: outbox.size,
        });
        await abortableSleep(delay, signal);
      }
    }
  }

  private async sendOutbox(): Promise<void> {
    const { outbox, client, log, signal } = this.deps;
    while (outbox.size > 0 && !signal.aborted) {
      const batch = outbox.peek(500);
      const first = batch[0]!;
      if (first.value.kind === 'result') {
        try {
          await client.reportResult(first.value.commandId, first.value.result);
        } catch (err) {
          if (!(err instanceof AgentApiError && RESULT_NOT_WANTED.has(err.status))) throw err;
          log.warn('API refused a command result; dropping it', { commandId: first.value.commandId, error: err });
        }
        outbox.ack(first.seq);
        continue;
      }
      // Consecutive offline actions go in one request.
      const run: Array<{ seq: number; action: OfflineAction }> = [];
      for (const r of batch) {
        if (r.value.kind !== 'offline-action') break;
        run.push({ seq: r.seq, action: r.value.action });
      }
      try {
        await client.reportOfflineActions(run.map((r) => r.action));
      } catch (err) {
        if (!(err instanceof AgentApiError && RESULT_NOT_WANTED.has(err.status))) throw err;
        log.warn('API refused offline actions; dropping them', { count: run.length, error: err });
      }
      outbox.ack(run[run.length - 1]!.seq);
    }
  }

  private async sendReadings(): Promise<void> {
    const { readings, client, log, signal } = this.deps;
    while (readings.size > 0 && !signal.aborted) {
      const batch = readings.peek(this.batchSize);
      let ackSeq: number;
      try {
        ({ ackSeq } = await client.sendReadings(batch.map((r) => ({ ...r.value, seq: r.seq }))));
      } catch (err) {
        if (err instanceof AgentApiError && err.status === 413 && this.batchSize > 1) {
          this.batchSize = Math.max(1, Math.floor(this.batchSize / 2));
          continue;
        }
        throw err;
      }
      const lastSent = batch[batch.length - 1]!.seq;
      readings.ack(Math.min(ackSeq, lastSent));
      if (ackSeq < lastSent) {
        log.warn('API acknowledged fewer readings than sent', { ackSeq, lastSent });
        return;
      }
    }
  }
}
