/**
 * Pure threshold rules: given an agent's recent readings, is a condition true
 * (open an alert), cleared (resolve it) or undecided (leave it as it is)?
 * The gap between "open" and "clear" is what keeps a value hovering around its
 * threshold from opening and resolving alerts in a storm.
 */
export interface Thresholds {
  temperatureMaxC: number;
  temperatureForMinutes: number;
  humidityMaxPct: number;
  humidityForMinutes: number;
  /** Alert at once on an MQ-2 alarm. */
  smokeAlarm: boolean;
  /** An agent's sensor without a value for this long is silent. */
  silentForMinutes: number;
  /** A condition resolves once it has been false for this long. */
  clearForMinutes: number;
  /** Where alerts of this site are POSTed, besides the console (else the global TELEMETRY_WEBHOOK_URL). */
  webhookUrl: string | null;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  temperatureMaxC: 35,
  temperatureForMinutes: 5,
  humidityMaxPct: 80,
  humidityForMinutes: 15,
  smokeAlarm: true,
  silentForMinutes: 10,
  clearForMinutes: 5,
  webhookUrl: null,
};

export interface RecentReading {
  at: number;
  temperatureC: number | null;
  humidityPct: number | null;
  smokeRaw: number | null;
  smokeAlarm: boolean | null;
}

export type Verdict = { state: 'open'; details: Record<string, unknown> } | { state: 'clear' } | { state: 'undecided' };

export type ConditionKind = 'temperature_high' | 'humidity_high' | 'smoke' | 'sensor_silent';
export type Sensor = 'dht11' | 'mq2';

const MIN = 60_000;

/** How far back the evaluation needs raw readings. */
export function lookbackMinutes(t: Thresholds): number {
  return Math.max(t.temperatureForMinutes, t.humidityForMinutes, t.clearForMinutes, t.silentForMinutes) + 10;
}

/** Above `max` for at least `forMinutes`: every value since the run began is above, and the run began long enough ago. */
export function aboveFor(values: Array<{ at: number; v: number }>, max: number, forMinutes: number, clearMinutes: number, now: number): Verdict {
  let runStart: number | null = null;
  let peak = -Infinity;
  for (const { at, v } of values) {
    if (v > max) {
      if (runStart === null) {
        runStart = at;
        peak = v;
      }
      peak = Math.max(peak, v);
    } else {
      runStart = null;
    }
  }
  if (runStart !== null && runStart <= now - forMinutes * MIN) {
    return { state: 'open', details: { threshold: max, since: new Date(runStart).toISOString(), peak, latest: values[values.length - 1].v } };
  }
  const recent = values.filter((x) => x.at >= now - clearMinutes * MIN && x.at <= now);
  if (recent.length && recent.every((x) => x.v <= max)) return { state: 'clear' };
  return { state: 'undecided' };
}

export function smokeAlarm(readings: RecentReading[], clearMinutes: number, now: number): Verdict {
  const recent = readings.filter((r) => r.smokeAlarm !== null && r.at >= now - clearMinutes * MIN && r.at <= now);
  const alarm = recent.find((r) => r.smokeAlarm);
  if (alarm) return { state: 'open', details: { at: new Date(alarm.at).toISOString(), smokeRaw: alarm.smokeRaw } };
  return recent.length ? { state: 'clear' } : { state: 'undecided' };
}

/** lastSeen: when the sensor last gave a value (null: not within what we looked at). */
export function silent(lastSeen: number | null, forMinutes: number, now: number): Verdict {
  if (lastSeen === null) return { state: 'undecided' };
  if (lastSeen < now - forMinutes * MIN) return { state: 'open', details: { lastValueAt: new Date(lastSeen).toISOString(), silentForMinutes: forMinutes } };
  return { state: 'clear' };
}

/** Every condition of one agent. */
export function evaluateAgent(
  readings: RecentReading[],
  lastSeen: Record<Sensor, number | null>,
  t: Thresholds,
  now: number,
): Array<{ kind: ConditionKind; sensor?: Sensor; verdict: Verdict }> {
  const sorted = [...readings].sort((a, b) => a.at - b.at);
  const series = (pick: (r: RecentReading) => number | null) =>
    sorted.flatMap((r) => {
      const v = pick(r);
      return v === null ? [] : [{ at: r.at, v }];
    });
  const out: Array<{ kind: ConditionKind; sensor?: Sensor; verdict: Verdict }> = [
    { kind: 'temperature_high', verdict: aboveFor(series((r) => r.temperatureC), t.temperatureMaxC, t.temperatureForMinutes, t.clearForMinutes, now) },
    { kind: 'humidity_high', verdict: aboveFor(series((r) => r.humidityPct), t.humidityMaxPct, t.humidityForMinutes, t.clearForMinutes, now) },
    { kind: 'sensor_silent', sensor: 'dht11', verdict: silent(lastSeen.dht11, t.silentForMinutes, now) },
    { kind: 'sensor_silent', sensor: 'mq2', verdict: silent(lastSeen.mq2, t.silentForMinutes, now) },
  ];
  // With the smoke rule off, an open smoke alert clears.
  out.push({ kind: 'smoke', verdict: t.smokeAlarm ? smokeAlarm(sorted, t.clearForMinutes, now) : { state: 'clear' } });
  return out;
}
