import type { AgentClient } from './agent-kit';

/** Helpers for the telemetry tests (no vitest import, so it compiles with the API). */

/** A small seeded generator (mulberry32): the same run every time. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface TestReading {
  seq: number;
  at: string;
  temperatureC?: number | null;
  humidityPct?: number | null;
  smokeRaw?: number | null;
  smokeAlarm?: boolean | null;
}

/**
 * Rows as the API stored them when they were fresh: for tests whose readings lie
 * where the API no longer accepts new ones (past the raw retention, or in a future
 * the test's clock has moved to).
 */
export async function storeReadings(db: { query(sql: string, params?: unknown[]): Promise<unknown> }, agentId: string, readings: TestReading[]): Promise<void> {
  for (let i = 0; i < readings.length; i += 1000) {
    const chunk = readings.slice(i, i + 1000);
    await db.query(
      `INSERT INTO readings (agent_id, seq, at, temperature_c, humidity_pct, smoke_raw, smoke_alarm, received_at) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      chunk.flatMap((r) => [agentId, r.seq, new Date(r.at), r.temperatureC ?? null, r.humidityPct ?? null, r.smokeRaw ?? null, r.smokeAlarm == null ? null : r.smokeAlarm ? 1 : 0, new Date(r.at)]),
    );
  }
}

/** Posts readings in batches of at most 5,000, as an agent would; fails on anything but 200. */
export async function postReadings(agent: AgentClient, readings: TestReading[]): Promise<void> {
  for (let i = 0; i < readings.length; i += 5000) {
    const res = await agent.post('/readings', { readings: readings.slice(i, i + 5000) });
    if (res.status !== 200) throw new Error(`readings: ${res.status} ${res.text}`);
  }
}

/** One reading every `stepS` seconds from `from` (inclusive) for `count` readings, values from `value(i)`. */
export function series(firstSeq: number, from: Date, stepS: number, count: number, value: (i: number) => Partial<TestReading>): TestReading[] {
  return Array.from({ length: count }, (_, i) => ({
    seq: firstSeq + i,
    at: new Date(from.getTime() + i * stepS * 1000).toISOString(),
    ...value(i),
  }));
}
