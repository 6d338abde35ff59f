import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { BucketRef, RollupsRepository } from './rollups.repository';
import { floorTo } from './sql-buckets';

/** Readings committed this long after their received_at are still rolled up. */
const OVERLAP_MS = 2 * 60_000;
const BUCKETS_PER_STATEMENT = 200;

/**
 * Keeps the 5-minute and hourly rollups equal to an aggregate of the raw readings.
 * Each pass finds the buckets touched by readings received since the previous
 * pass (by received_at, so a reading from last week that arrives today counts)
 * and recomputes them whole. Buckets whose raw readings retention has already
 * started to remove are left alone: recomputing them would lose data.
 */
@Injectable()
export class RollupService {
  private readonly logger = new Logger('telemetry-rollup');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly rollups: RollupsRepository,
  ) {}

  async run(now = new Date()): Promise<{ fiveMinute: number; hourly: number }> {
    const rawCutoff = new Date(now.getTime() - this.config.telemetry.retentionDays.raw * 86_400_000);
    const last = await this.rollups.progress('rollup');
    const from = new Date((last ?? rawCutoff).getTime() - OVERLAP_MS);
    const buckets = await this.rollups.bucketsReceived(from, now, new Date(floorTo(rawCutoff.getTime(), 300_000) + 300_000));
    for (let i = 0; i < buckets.length; i += BUCKETS_PER_STATEMENT) {
      await this.rollups.recomputeFiveMinute(buckets.slice(i, i + BUCKETS_PER_STATEMENT));
    }
    const hours = new Map<string, BucketRef>();
    for (const b of buckets) {
      const hour = new Date(floorTo(b.bucket.getTime(), 3_600_000));
      hours.set(`${b.agentId}|${hour.getTime()}`, { agentId: b.agentId, bucket: hour });
    }
    const hourList = [...hours.values()];
    for (let i = 0; i < hourList.length; i += BUCKETS_PER_STATEMENT) {
      await this.rollups.recomputeHourly(hourList.slice(i, i + BUCKETS_PER_STATEMENT));
    }
    await this.rollups.saveProgress('rollup', now);
    if (buckets.length) this.logger.debug(`rolled up ${buckets.length} 5-minute and ${hourList.length} hourly buckets`);
    return { fiveMinute: buckets.length, hourly: hourList.length };
  }
}
