/** One reading as an agent sent it (PROTOCOL.md "Readings"): sensors fail, so every value may be absent. */
export interface ReadingInput {
  seq: number;
  at: Date;
  temperatureC?: number | null;
  humidityPct?: number | null;
  smokeRaw?: number | null;
  smokeAlarm?: boolean | null;
}

/** How far ahead of the server's clock a reading may be dated (agents are NTP-synced; minutes of skew happen). */
export const READING_FUTURE_TOLERANCE_MS = 5 * 60_000;

export type ReadingRefusal = 'future' | 'too_old' | 'conflicting_duplicate';

export interface ReadingsIntake {
  /** New readings, to store. */
  store: ReadingInput[];
  /** Already stored as sent: a resend after a timeout. */
  duplicates: number;
  refused: Record<ReadingRefusal, ReadingInput[]>;
}

/**
 * Decides what of an agent's batch is stored. Each (agent, seq) is stored once, the
 * first time it arrives: a later reading with that seq and other content is refused
 * (a reset agent reusing seqs, or tampering), as is the second of two in one batch.
 * A reading dated after now + tolerance (a bad clock) or before the raw retention
 * (it would be deleted at once and skew rollups) is refused too. Refused readings are
 * still acknowledged: the agent's buffer must drain, not stick on one bad reading.
 */
export function sortReadings(readings: ReadingInput[], stored: Map<number, ReadingInput>, now: Date, rawRetentionDays: number): ReadingsIntake {
  const intake: ReadingsIntake = { store: [], duplicates: 0, refused: { future: [], too_old: [], conflicting_duplicate: [] } };
  const latest = now.getTime() + READING_FUTURE_TOLERANCE_MS;
  const earliest = now.getTime() - rawRetentionDays * 86_400_000;
  const inBatch = new Map<number, ReadingInput>();
  for (const reading of readings) {
    const first = stored.get(reading.seq) ?? inBatch.get(reading.seq);
    if (first) {
      if (sameReading(first, reading)) intake.duplicates++;
      else intake.refused.conflicting_duplicate.push(reading);
      continue;
    }
    const at = reading.at.getTime();
    if (at > latest) intake.refused.future.push(reading);
    else if (at < earliest) intake.refused.too_old.push(reading);
    else {
      inBatch.set(reading.seq, reading);
      intake.store.push(reading);
    }
  }
  return intake;
}

/** Equal as stored: temperatures and humidity to two decimals, absent = null. */
function sameReading(a: ReadingInput, b: ReadingInput): boolean {
  const fixed = (v: number | null | undefined) => (v == null ? null : v.toFixed(2));
  return (
    a.at.getTime() === b.at.getTime() &&
    fixed(a.temperatureC) === fixed(b.temperatureC) &&
    fixed(a.humidityPct) === fixed(b.humidityPct) &&
    (a.smokeRaw ?? null) === (b.smokeRaw ?? null) &&
    (a.smokeAlarm ?? null) === (b.smokeAlarm ?? null)
  );
}
