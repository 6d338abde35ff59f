/**
 * Which table a chart reads: the finest resolution that both keeps every series
 * under MAX_POINTS and still holds data at `from` (retention). Agents read every
 * 30-60 s (PROTOCOL.md), so raw data is assumed to have at most one point per 30 s.
 */
export const MAX_POINTS = 2000;
export const RAW_STEP_S = 30;

export type Resolution = 'raw' | '5m' | '1h';

export interface ResolutionChoice {
  resolution: Resolution;
  /** Width of one point: 0 for raw, 300 for 5-minute, 3600 x n for hourly grouped by n hours. */
  bucketSeconds: number;
}

export function chooseResolution(
  from: Date,
  to: Date,
  now: Date,
  retentionDays: { raw: number; fiveMinute: number },
): ResolutionChoice {
  const rangeS = (to.getTime() - from.getTime()) / 1000;
  const keeps = (days: number) => from.getTime() >= now.getTime() - days * 86_400_000;
  if (rangeS / RAW_STEP_S <= MAX_POINTS && keeps(retentionDays.raw)) return { resolution: 'raw', bucketSeconds: 0 };
  if (rangeS / 300 <= MAX_POINTS && keeps(retentionDays.fiveMinute)) return { resolution: '5m', bucketSeconds: 300 };
  const hours = Math.max(1, Math.ceil(rangeS / 3600 / MAX_POINTS));
  return { resolution: '1h', bucketSeconds: hours * 3600 };
}
