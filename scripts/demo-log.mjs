// What `npm start` shows of the API's and the simulated fleet's JSON logs: warnings
// and errors, dispatches, their verifications and alerts, one readable line each.
// Requests, start-up chatter and the rest stay out (`npm start -- --json` shows all).

/** What a person watching the demo wants to see as it happens, besides warnings and errors. */
const SHOWN = new Set(['dispatch', 'verification', 'alerts']);
// The API logs pino's numbers, the agents their names.
const LEVELS = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const RANKS = Object.fromEntries(Object.entries(LEVELS).map(([rank, name]) => [name, Number(rank)]));

/** One line of output as shown to a person, or null to leave it out. Lines that are not JSON pass as they are. */
export function readableLine(line) {
  let entry;
  try {
    entry = JSON.parse(line);
  } catch {
    return line;
  }
  const rank = typeof entry?.level === 'number' ? entry.level : RANKS[entry?.level];
  if (!rank) return line;
  const source = entry.context ?? entry.agent ?? entry.service ?? '';
  if (rank < 40 && !SHOWN.has(source)) return null;
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 19) : new Date().toISOString().slice(11, 19);
  const level = rank >= 40 ? ` ${LEVELS[rank] ?? rank}` : '';
  const where = entry.site ? `${entry.site} ${source}` : source;
  return `  ${time}${level}  ${where}: ${entry.msg ?? ''}`;
}
