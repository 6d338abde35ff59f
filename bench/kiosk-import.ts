/**
 * How long a kiosk CSV import holds the API's event loop (agents' long polls, health
 * checks and every other request wait that long). Reads files of 5,000 rows (the cap)
 * and of 47,000 rows (4.6 MB, refused) with the importer's `readKioskCsv`, against
 * the baseline of the same work in one piece (csv-parse's sync parser, then every
 * row's check), as the importer did before. Prints, per file, the total time and the
 * longest block of the event loop (the longest gap between ticks of a 1 ms timer),
 * best of 5.
 *
 *   npx tsc -b apps/api && node -r reflect-metadata --import tsx bench/kiosk-import.ts
 */
import { parse } from 'csv-parse/sync';
import { readKioskCsv } from '../apps/api/dist/apps/api/src/kiosks/kiosk-csv';
import { kioskRow } from '../apps/api/dist/apps/api/src/kiosks/kiosks.dto';

const header = 'code,name,kind,location,ip,mac,subnet,vncPort,notes';
const hex = (n: number) => n.toString(16).padStart(2, '0');
const row = (i: number) =>
  `K-${i},Kiosk ${i},registration,"Hall B, floor 2",10.5.${(i >> 8) & 255}.${i & 255},02:00:00:${hex((i >> 16) & 255)}:${hex((i >> 8) & 255)}:${hex(i & 255)},10.5.0.0/16,5900,`;
const file = (rows: number) => [header, ...Array.from({ length: rows }, (_, i) => row(i))].join('\n');

/** The importer before: the whole file parsed, then every row checked, in one piece. */
function inOnePiece(text: string): number {
  const records = parse(text, { columns: true, skip_empty_lines: true, trim: true, info: true }) as { record: object }[];
  if (records.length > 5000) return 0;
  return records.filter((r) => kioskRow.safeParse(r.record).success).length;
}

/** The work's total time, and the longest gap between two ticks of a 1 ms timer while it ran. */
async function measure(run: () => unknown): Promise<{ totalMs: number; longestBlockMs: number }> {
  let last = performance.now();
  let longest = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  await new Promise((resolve) => setTimeout(resolve, 5)); // the ticker is running
  longest = 0;
  last = performance.now();
  const started = performance.now();
  await run();
  const totalMs = performance.now() - started;
  longest = Math.max(longest, performance.now() - last);
  clearInterval(ticker);
  return { totalMs, longestBlockMs: longest };
}

async function main() {
  const none = () => ({ codes: new Set<string>(), macs: new Set<string>() });
  for (const rows of [5000, 47_000]) {
    const text = file(rows);
    const best = { baseline: { totalMs: Infinity, longestBlockMs: Infinity }, importer: { totalMs: Infinity, longestBlockMs: Infinity } };
    for (let i = 0; i < 5; i++) {
      for (const [name, run] of [
        ['baseline', () => inOnePiece(text)],
        ['importer', () => readKioskCsv(text, none())],
      ] as const) {
        const m = await measure(run);
        const b = best[name];
        b.totalMs = Math.min(b.totalMs, m.totalMs);
        b.longestBlockMs = Math.min(b.longestBlockMs, m.longestBlockMs);
      }
    }
    const f = (m: { totalMs: number; longestBlockMs: number }) => `total ${m.totalMs.toFixed(0)} ms, longest block ${m.longestBlockMs.toFixed(0)} ms`;
    console.log(`${rows} rows (${(text.length / 1e6).toFixed(1)} MB)`);
    console.log(`  baseline (in one piece): ${f(best.baseline)}`);
    console.log(`  importer (stream, turns): ${f(best.importer)}`);
    console.log(`  longest block: ${(best.baseline.longestBlockMs / best.importer.longestBlockMs).toFixed(1)}x shorter`);
  }
}

void main();
