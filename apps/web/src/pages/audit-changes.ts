/**
 * What an audit entry changed, for people: the top-level fields whose value differs
 * between before and after (or, for a creation or deletion, every field of the side
 * there is), each value formatted by its kind.
 */
import type { MessageKey, Translate } from '../i18n';

export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

/** Bookkeeping fields nobody changes by hand. */
const IGNORED = new Set(['id', 'updatedAt', 'createdAt', 'passwordHash']);

export function changedFields(before: Record<string, unknown> | null, after: Record<string, unknown> | null): FieldChange[] {
  const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])];
  return keys
    .filter((k) => !IGNORED.has(k))
    .filter((k) => !before || !after || JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .map((k) => ({ field: k, before: before ? before[k] : undefined, after: after ? after[k] : undefined }));
}

const ISO_INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/;

export interface ValueFormat {
  t: Translate;
  locale: string;
  dateTime(iso: string): string;
}

/** ISO weekday (1 = Monday) as the locale's short name. */
function weekday(day: number, locale: string): string {
  // 2024-01-01 was a Monday.
  return new Intl.DateTimeFormat(locale, { weekday: 'short', timeZone: 'UTC' }).format(new Date(Date.UTC(2024, 0, day)));
}

/** A value as a person reads it: times in their zone, yes/no, lists joined, windows as "07:00–20:00", weekdays by name. */
export function formatValue(field: string, value: unknown, f: ValueFormat): string {
  if (value === undefined || value === null || value === '') return '—';
  if (typeof value === 'boolean') return f.t(value ? 'auditv.yes' : 'auditv.no');
  if (typeof value === 'string') return ISO_INSTANT.test(value) ? f.dateTime(value) : value;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return f.t('auditv.none');
    if (field === 'days' && value.every((d) => typeof d === 'number')) return value.map((d) => weekday(d as number, f.locale)).join(', ');
    return value.map((v) => (isWindow(v) ? `${v.start}–${v.end}` : formatValue('', v, f))).join(', ');
  }
  if (isWindow(value)) return `${value.start}–${value.end}`;
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${fieldLabel(f.t, k)}: ${formatValue(k, v, f)}`)
      .join('; ');
  }
  return String(value);
}

const isWindow = (v: unknown): v is { start: string; end: string } =>
  !!v && typeof v === 'object' && typeof (v as { start?: unknown }).start === 'string' && typeof (v as { end?: unknown }).end === 'string';

/** The field's label in the user's language; a field without one keeps its name. */
export function fieldLabel(t: Translate, field: string): string {
  const key = `auditf.${field}` as MessageKey;
  const text = t(key);
  return text === key ? field : text;
}
