import { stringify } from 'csv-stringify/sync';
import type { ReadableAuditEntry } from './audit.dto';

export const AUDIT_CSV_COLUMNS = ['at_utc', 'at_local', 'actor', 'action', 'entity_type', 'entity_id', 'entity_name', 'hospital', 'changes', 'request_id', 'ip'] as const;

/**
 * Audit entries carry what people typed (kiosk names, notes, rule names) into a file
 * opened in a spreadsheet: a cell that starts like a formula (=, +, -, @, tab, CR)
 * is prefixed with ' so it shows as text instead of running (OWASP "CSV injection").
 */
const FORMULA_START = /^[=+\-@\t\r]/;
export const guardCell = (v: string) => (FORMULA_START.test(v) ? `'${v}` : v);

const IGNORED_FIELDS = new Set(['updatedAt', 'createdAt']);
const show = (v: unknown) => (v === undefined || v === null ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

/** "field: before → after" for each top-level field that differs; a creation or deletion lists the side there is. */
export function changedFields(before: Record<string, unknown> | null, after: Record<string, unknown> | null): string {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  const parts: string[] = [];
  for (const k of keys) {
    if (IGNORED_FIELDS.has(k)) continue;
    const a = before?.[k];
    const b = after?.[k];
    if (before && after && JSON.stringify(a) === JSON.stringify(b)) continue;
    parts.push(`${k}: ${show(a)} → ${show(b)}`);
  }
  return parts.join('; ');
}

/** The instant in the zone, as "2026-02-10 08:00:00 +08:00": a spreadsheet sorts it and a person reads it. */
function localTime(at: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'longOffset',
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const offset = parts.timeZoneName === 'GMT' ? '+00:00' : String(parts.timeZoneName).replace('GMT', '');
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second} ${offset}`;
}

export function auditCsvRows(entries: ReadableAuditEntry[], timeZone: string, withHeader: boolean): string {
  return stringify(
    entries.map((e) =>
      [
        e.at.toISOString(),
        localTime(e.at, timeZone),
        e.actorName,
        e.action,
        e.entityType,
        e.entityId ?? '',
        e.entityName ?? '',
        e.hospitalName ?? '',
        changedFields(e.before, e.after),
        e.requestId ?? '',
        e.ip ?? '',
      ].map(guardCell),
    ),
    { header: withHeader, columns: [...AUDIT_CSV_COLUMNS] },
  );
}
