import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { Kiosk } from './kiosk.entity';
import { kioskRow } from './kiosks.dto';

export const CSV_COLUMNS = ['code', 'name', 'kind', 'location', 'ip', 'mac', 'subnet', 'vncPort', 'notes'] as const;
/** Columns a file may leave out. */
const OPTIONAL_COLUMNS: readonly string[] = ['location', 'ip', 'subnet', 'vncPort', 'notes'];
export const MAX_IMPORT_ROWS = 5000;

export type KioskRow = z.output<typeof kioskRow>;
export interface RowProblem {
  line: number;
  field?: string;
  message: string;
}

/** Text handed to the parser at a time, and rows checked, between two turns of the event loop. */
const SLICE_CHARS = 16 * 1024;
const ROWS_PER_TURN = 250;

/**
 * Reads a kiosk spreadsheet and checks every row: formats, duplicates within the
 * file, and duplicates against the codes and MACs the hospital already has. Returns
 * the rows or every problem with its line number (the header is line 1).
 *
 * The file is parsed as a stream and the work is cut into turns of the event loop
 * (5,000 rows take ~0.3 s of CPU: in one piece, agents' polls and health checks
 * would wait that long), and parsing stops at the first row past MAX_IMPORT_ROWS.
 */
export async function readKioskCsv(
  text: string,
  existing: { codes: Set<string>; macs: Set<string> },
): Promise<{ rows: KioskRow[]; problems: RowProblem[] }> {
  let header: string[];
  try {
    header = firstLineColumns(text);
  } catch (err) {
    return { rows: [], problems: [{ line: 1, message: `not valid CSV: ${(err as Error).message}` }] };
  }
  const missing = CSV_COLUMNS.filter((c) => !OPTIONAL_COLUMNS.includes(c) && !header.includes(c));
  const unknown = header.filter((h) => !(CSV_COLUMNS as readonly string[]).includes(h));
  if (missing.length || unknown.length) {
    const parts = [missing.length && `missing column(s): ${missing.join(', ')}`, unknown.length && `unknown column(s): ${unknown.join(', ')}`];
    return { rows: [], problems: [{ line: 1, message: `${parts.filter(Boolean).join('; ')}; expected ${CSV_COLUMNS.join(',')}` }] };
  }
  const records: { record: Record<string, string>; info: { lines: number } }[] = [];
  const parser = Readable.from(slices(withoutBom(text), SLICE_CHARS)).pipe(
    parse({ columns: (h: string[]) => h.map((c) => c.trim()), skip_empty_lines: true, trim: true, info: true }),
  );
  try {
    for await (const record of parser) {
      // The stream hands records over in microtasks: without a turn, the whole file would parse in one.
      if (records.push(record) % ROWS_PER_TURN === 0) await nextTurn();
      if (records.length > MAX_IMPORT_ROWS) {
        parser.destroy();
        return { rows: [], problems: [{ line: 1, message: `at most ${MAX_IMPORT_ROWS} rows per import (the file has more); split it` }] };
      }
    }
  } catch (err) {
    const e = err as { lines?: number; message: string };
    return { rows: [], problems: [{ line: e.lines ?? 1, message: `not valid CSV: ${e.message}` }] };
  }
  if (records.length === 0) return { rows: [], problems: [{ line: 1, message: 'the file has no kiosk rows' }] };

  const rows: KioskRow[] = [];
  const problems: RowProblem[] = [];
  const codesInFile = new Map<string, number>();
  const macsInFile = new Map<string, number>();
  for (const [i, { record, info }] of records.entries()) {
    if (i % ROWS_PER_TURN === ROWS_PER_TURN - 1) await nextTurn();
    const line = info.lines;
    const input = Object.fromEntries(Object.entries(record).map(([k, v]) => [k, v === '' ? undefined : unguardCell(v)]));
    const parsed = kioskRow.safeParse(input);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push({ line, field: issue.path.join('.'), message: issue.message });
      }
      continue;
    }
    const row = parsed.data;
    const code = row.code.toLowerCase();
    if (codesInFile.has(code)) {
      problems.push({ line, field: 'code', message: `code ${row.code} also on line ${codesInFile.get(code)}` });
    } else if (existing.codes.has(code)) {
      problems.push({ line, field: 'code', message: `code ${row.code} already exists in this hospital` });
    }
    if (macsInFile.has(row.mac)) {
      problems.push({ line, field: 'mac', message: `MAC ${row.mac} also on line ${macsInFile.get(row.mac)}` });
    } else if (existing.macs.has(row.mac)) {
      problems.push({ line, field: 'mac', message: `MAC ${row.mac} already belongs to a kiosk of this hospital` });
    }
    codesInFile.set(code, codesInFile.get(code) ?? line);
    macsInFile.set(row.mac, macsInFile.get(row.mac) ?? line);
    rows.push(row);
  }
  return { rows, problems };
}

function* slices(text: string, size: number): Generator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

/** Without a copy of the text (`replace` would copy megabytes). */
const withoutBom = (text: string) => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The columns a file names in its header, as the importer reads them. */
export function csvColumns(text: string): string[] {
  try {
    return firstLineColumns(text);
  } catch {
    return [];
  }
}

function firstLineColumns(text: string): string[] {
  // The parser reads its whole input even when told to stop at line 1: give it only the start.
  const [first] = parseSync(withoutBom(text).slice(0, 64 * 1024), { to_line: 1, relax_column_count: true }) as string[][];
  return (first ?? []).map((h) => h.trim());
}

/**
 * Staff write names, locations and notes; ops open the export in a spreadsheet. A
 * cell that starts like a formula (=, +, -, @, tab, CR) is prefixed with ' so that
 * the spreadsheet shows it as text instead of running it (OWASP "CSV injection");
 * the importer takes the prefix off again.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
export const guardCell = (v: string) => (FORMULA_START.test(v) ? `'${v}` : v);
const unguardCell = (v: string) => (v.startsWith("'") && FORMULA_START.test(v.slice(1)) ? v.slice(1) : v);

export function writeKioskCsv(kiosks: Kiosk[]): string {
  return stringify(
    kiosks.map((k) =>
      [k.code, k.name, k.kind, k.location, k.ip ?? '', k.mac, k.subnet ?? '', k.vncPort, k.notes].map((v) => guardCell(String(v))),
    ),
    { header: true, columns: [...CSV_COLUMNS] },
  );
}
