import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ReadingsRepository } from './readings.repository';
import { RollupsRepository, RollupTable } from './rollups.repository';

const DAY = 86_400_000;

export interface RetentionReport {
  raw: { droppedPartitions: string[]; rowsInDroppedPartitions: number; rowsDeleted: number };
  fiveMinute: number;
  hourly: number;
  /** The longest single statement (= transaction: each runs on its own) of the pass. */
  longestTransactionMs: number;
  batches: number;
}

/**
 * Partitions ahead of time and retention. Raw readings: whole day partitions past
 * their age are dropped (a metadata change, whatever their size), then what is
 * left past the age in the oldest remaining day goes in batches. Rollups: batches
 * of `deleteBatch` rows with a pause between them, so that no transaction is large
 * enough to stall replicas.
 */
@Injectable()
export class RetentionService {
  private readonly logger = new Logger('telemetry-retention');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly readings: ReadingsRepository,
    private readonly rollups: RollupsRepository,
  ) {}

  /** Every day from yesterday to `partitionsAheadDays` after today has its own partition. */
  async ensurePartitions(now = new Date()): Promise<string[]> {
    const parts = await this.readings.partitions();
    const max = parts[parts.length - 1];
    if (!max || max.upper !== null) return [];
    const lastUpper = parts.length > 1 ? parts[parts.length - 2].upper! : new Date(0);
    const today = Math.floor(now.getTime() / DAY) * DAY;
    const added = await this.readings.addDayPartitions(
      lastUpper,
      new Date(today - DAY),
      new Date(today + (this.config.telemetry.partitionsAheadDays + 1) * DAY),
      max.name,
    );
    if (added.length) this.logger.log(`readings: added partitions ${added.join(', ')}`);
    return added;
  }

  async run(now = new Date()): Promise<RetentionReport> {
    const t = this.config.telemetry;
    const report: RetentionReport = { raw: { droppedPartitions: [], rowsInDroppedPartitions: 0, rowsDeleted: 0 }, fiveMinute: 0, hourly: 0, longestTransactionMs: 0, batches: 0 };
    const timed = async <T>(fn: () => Promise<T>): Promise<T> => {
      const start = performance.now();
      try {
        return await fn();
      } finally {
        report.longestTransactionMs = Math.max(report.longestTransactionMs, performance.now() - start);
      }
    };

    const rawCutoff = new Date(now.getTime() - t.retentionDays.raw * DAY);
    const parts = await this.readings.partitions();
    // Keep at least one bounded partition besides MAXVALUE so that REORGANIZE still has a range to follow.
    for (const p of parts.slice(0, -2)) {
      if (!p.upper || p.upper.getTime() > rawCutoff.getTime()) break;
      report.raw.rowsInDroppedPartitions += await this.readings.countInPartition(p.name);
      await timed(() => this.readings.dropPartition(p.name));
      report.raw.droppedPartitions.push(p.name);
    }
    report.raw.rowsDeleted = await this.deleteInBatches((limit) => this.readings.deleteOlderThan(rawCutoff, limit), timed, report);
    report.fiveMinute = await this.deleteRollups('readings_5m', new Date(now.getTime() - t.retentionDays.fiveMinute * DAY), timed, report);
    if (t.retentionDays.hourly) {
      report.hourly = await this.deleteRollups('readings_1h', new Date(now.getTime() - t.retentionDays.hourly * DAY), timed, report);
    }
    const longest = Math.round(report.longestTransactionMs);
    this.logger.log(
      `retention: raw ${report.raw.rowsInDroppedPartitions} rows in ${report.raw.droppedPartitions.length} dropped partitions ` +
        `+ ${report.raw.rowsDeleted} deleted, 5-minute ${report.fiveMinute}, hourly ${report.hourly}; longest transaction ${longest} ms`,
    );
    return report;
  }

  private deleteRollups(table: RollupTable, before: Date, timed: <T>(fn: () => Promise<T>) => Promise<T>, report: RetentionReport) {
    return this.deleteInBatches((limit) => this.rollups.deleteOlderThan(table, before, limit), timed, report);
  }

  private async deleteInBatches(
    deleteBatch: (limit: number) => Promise<number>,
    timed: <T>(fn: () => Promise<T>) => Promise<T>,
    report: RetentionReport,
  ): Promise<number> {
    const { deleteBatch: limit, deletePauseMs } = this.config.telemetry;
    let total = 0;
    for (;;) {
      const removed = await timed(() => deleteBatch(limit));
      report.batches++;
      total += removed;
      if (removed < limit) return total;
      if (deletePauseMs) await sleep(deletePauseMs);
    }
  }
}
