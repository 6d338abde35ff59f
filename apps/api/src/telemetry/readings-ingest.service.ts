import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { Database } from '../database/database.service';
import { ApiMetrics } from '../ops/metrics';
import { ReadingInput, ReadingsIntake, sortReadings } from './readings-intake';
import { ReadingsRepository } from './readings.repository';

/**
 * Stores a batch of an agent's readings, whole or not at all: what readings-intake.ts
 * accepts. The agent protocol checks the batch's size and shape, then hands it here.
 */
@Injectable()
export class ReadingsIngestService {
  constructor(
    private readonly db: Database,
    private readonly readings: ReadingsRepository,
    private readonly metrics: ApiMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private readonly logger = new Logger('agent-reports');

  /** The highest seq stored of the agent: what an empty batch acknowledges. */
  highestSeq(agentId: string): Promise<number> {
    return this.readings.highestReadingSeq(agentId);
  }

  async ingest(agent: { id: string; name: string }, readings: ReadingInput[]): Promise<void> {
    const now = new Date();
    const intake = await this.db.transaction(async () => {
      await this.readings.lockAgentReadings(agent.id);
      // A seq above the agent's highest stored one is new: only resends need looking up (the usual batch needs none).
      const highest = await this.readings.highestReadingSeq(agent.id);
      const resent = [...new Set(readings.map((r) => r.seq).filter((seq) => seq <= highest))];
      const stored = resent.length ? await this.readings.storedReadings(agent.id, resent) : new Map<number, ReadingInput>();
      const intake = sortReadings(readings, stored, now, this.config.telemetry.retentionDays.raw);
      if (intake.store.length) await this.readings.insertReadings(agent.id, intake.store, now);
      return intake;
    });
    this.reportRefusals(agent, intake);
  }

  /** Counted in /metrics and logged once per batch: an agent with a bad clock or reused seqs shows up. */
  private reportRefusals(agent: { id: string; name: string }, intake: ReadingsIntake): void {
    const refused = Object.entries(intake.refused).filter(([, list]) => list.length);
    if (!refused.length) return;
    for (const [reason, list] of refused) this.metrics.readingsRefused.inc({ reason }, list.length);
    this.logger.warn(
      `readings of agent ${agent.name} (${agent.id}) not stored: ${refused
        .map(([reason, list]) => `${list.length} ${reason.replace('_', ' ')} (seq ${list[0]!.seq}${list.length > 1 ? ` to ${list[list.length - 1]!.seq}` : ''}, at ${list[0]!.at.toISOString()})`)
        .join('; ')}`,
    );
  }
}
