/**
 * Bucket expressions that do not depend on the session's time zone (DATETIME is
 * UTC throughout): minutes or hours since a fixed origin, rounded down.
 */
const ORIGIN = `TIMESTAMP'2000-01-01 00:00:00'`;

export const fiveMinuteBucket = (col: string) => `TIMESTAMPADD(MINUTE, TIMESTAMPDIFF(MINUTE, ${ORIGIN}, ${col}) DIV 5 * 5, ${ORIGIN})`;

export const hourBucket = (col: string, hours = 1) =>
  hours === 1
    ? `TIMESTAMPADD(HOUR, TIMESTAMPDIFF(HOUR, ${ORIGIN}, ${col}), ${ORIGIN})`
    : `TIMESTAMPADD(HOUR, TIMESTAMPDIFF(HOUR, ${ORIGIN}, ${col}) DIV ${Math.floor(hours)} * ${Math.floor(hours)}, ${ORIGIN})`;

export const floorTo = (ms: number, stepMs: number) => Math.floor(ms / stepMs) * stepMs;
