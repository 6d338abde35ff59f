/**
 * The schedule editor's form state and its translation to the API's rule body.
 * Kept apart from the page so the rules of the form (overnight split, every day)
 * read in one place.
 */
import type { PowerRule, PowerWindow, RuleInput } from '../api/client';
import type { KioskRef } from '../components/KioskChooser';

export interface RuleDraft {
  name: string;
  scopeKind: 'hospital' | 'site' | 'kiosks';
  siteId: string;
  kiosks: KioskRef[];
  layer: 'regular' | 'override';
  everyDay: boolean;
  days: number[];
  from: string;
  until: string;
  windows: PowerWindow[];
  priority: string;
  /** The other parts of an overnight window on days not all chosen: saved as rules beside this one. */
  companions: DayGroup[];
}

export const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;

export function emptyDraft(siteId: string): RuleDraft {
  return {
    name: '',
    scopeKind: 'hospital',
    siteId,
    kiosks: [],
    layer: 'regular',
    everyDay: false,
    days: [1, 2, 3, 4, 5],
    from: '',
    until: '',
    windows: [{ start: '08:00', end: '18:00' }],
    priority: '0',
    companions: [],
  };
}

export function draftFromRule(rule: PowerRule, kiosks: KioskRef[], defaultSiteId: string): RuleDraft {
  return {
    name: rule.name,
    scopeKind: rule.scope.kind,
    siteId: rule.scope.kind === 'site' ? rule.scope.siteId : defaultSiteId,
    kiosks,
    layer: rule.layer,
    everyDay: rule.days === null,
    days: rule.days ?? [1, 2, 3, 4, 5, 6, 7],
    from: rule.from ?? '',
    until: rule.until ?? '',
    windows: rule.windows.map((w) => ({ ...w })),
    priority: String(rule.priority),
    companions: [],
  };
}

export function ruleBody(d: RuleDraft): RuleInput {
  const scope: RuleInput['scope'] =
    d.scopeKind === 'hospital'
      ? { kind: 'hospital' }
      : d.scopeKind === 'site'
        ? { kind: 'site', siteId: d.siteId }
        : { kind: 'kiosks', kioskIds: d.kiosks.map((k) => k.id) };
  const priority = d.priority.trim() === '' ? 0 : Number(d.priority);
  return {
    name: d.name,
    scope,
    layer: d.layer,
    days: d.everyDay ? null : [...d.days].sort((a, b) => a - b),
    from: d.from || null,
    until: d.until || null,
    windows: d.windows.map((w) => ({ start: w.start.trim(), end: w.end.trim() })),
    // A non-number goes to the server as it is typed, so its message names the field.
    priority: Number.isFinite(priority) ? priority : (d.priority as unknown as number),
  };
}

const CLOCK = /^([01]\d|2[0-4]):([0-5]\d)$/;
const minutes = (hhmm: string) => {
  const m = CLOCK.exec(hhmm.trim());
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
};

/** A window that ends at or before it starts is overnight: 22:00-06:00. */
export function isOvernight(w: PowerWindow): boolean {
  const a = minutes(w.start);
  const b = minutes(w.end);
  return a !== null && b !== null && b <= a && b !== 0 && a !== 0;
}

/**
 * 22:00-06:00 becomes 00:00-06:00 and 22:00-24:00 on every day of the rule: with
 * consecutive days selected the night is one continuous period (adjacent intervals
 * merge at midnight). Windows come back sorted by start.
 */
export function splitOvernight(windows: PowerWindow[]): PowerWindow[] {
  const out: PowerWindow[] = [];
  for (const w of windows) {
    if (isOvernight(w)) out.push({ start: '00:00', end: w.end.trim() }, { start: w.start.trim(), end: '24:00' });
    else out.push(w);
  }
  return out.sort((x, y) => (minutes(x.start) ?? 0) - (minutes(y.start) ?? 0));
}

/** `windows.0.end` -> the key the editor puts the message next to. */
export function fieldKey(field: string | undefined): string {
  if (!field) return '';
  if (/^days(\.\d+)?$/.test(field)) return 'days';
  if (/^scope\.kioskIds/.test(field)) return 'scope.kioskIds';
  return field;
}

/**
 * A time field cannot show 24:00: the end of the day is shown and typed as 00:00
 * (an end at midnight), and stored as 24:00 as libs/scheduler wants.
 */
export const endFieldValue = (end: string) => (end === '24:00' ? '00:00' : end);
export const endFromField = (value: string) => (value === '00:00' ? '24:00' : value);

/** A set of weekdays with the same hours on: one rule of the model. */
export interface DayGroup {
  days: number[];
  windows: PowerWindow[];
}

/**
 * The rules an overnight window needs when the rule is not in force every day. One
 * rule wins a whole local date, so a night is two windows on consecutive days
 * (22:00–24:00 today, 00:00–06:00 tomorrow) and each different set of hours is a rule
 * of its own: nights Mon–Fri are Mon 22–24, Tue–Fri 00–06 + 22–24, Sat 00–06.
 * Every day (or no overnight window) gives one group: the windows split in place.
 */
export function overnightGroups(days: number[], windows: PowerWindow[]): DayGroup[] {
  const everyDay = WEEKDAYS.every((d) => days.includes(d));
  if (everyDay || !windows.some(isOvernight))
    return [{ days: [...days].sort((a, b) => a - b), windows: splitOvernight(windows) }];
  const byDay = new Map<number, PowerWindow[]>();
  for (const d of WEEKDAYS) {
    const previous = d === 1 ? 7 : d - 1;
    const own = days.includes(d)
      ? windows.map((w) => (isOvernight(w) ? { start: w.start.trim(), end: '24:00' } : w))
      : [];
    const morning = days.includes(previous)
      ? windows.filter(isOvernight).map((w) => ({ start: '00:00', end: w.end.trim() }))
      : [];
    const all = [...morning, ...own].sort((x, y) => (minutes(x.start) ?? 0) - (minutes(y.start) ?? 0));
    if (all.length) byDay.set(d, all);
  }
  const groups: DayGroup[] = [];
  for (const [d, w] of byDay) {
    const same = groups.find((g) => JSON.stringify(g.windows) === JSON.stringify(w));
    if (same) same.days.push(d);
    else groups.push({ days: [d], windows: w });
  }
  // The rule being edited keeps the group with most of its chosen days; the others
  // (a first evening, a last morning) are saved beside it.
  const chosen = (g: DayGroup) => g.days.filter((d) => days.includes(d)).length;
  return groups.sort((a, b) => chosen(b) - chosen(a) || b.days.length - a.days.length || a.days[0] - b.days[0]);
}

/** Quick presets of the hours editor. */
export const PRESETS = {
  /** These hours on Monday to Friday. */
  weekdays: (): Partial<RuleDraft> => ({ everyDay: false, days: [1, 2, 3, 4, 5], companions: [] }),
  /** The weekdays' hours copied to every day of the week. */
  everyDay: (): Partial<RuleDraft> => ({ everyDay: true, companions: [] }),
  closedAllDay: (): Partial<RuleDraft> => ({ windows: [], companions: [] }),
  allDay: (): Partial<RuleDraft> => ({ windows: [{ start: '00:00', end: '24:00' }], companions: [] }),
};

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The chosen kiosks' timelines cover an override's own period (up to the API's 31
 * days); a rule without both dates shows the next 7 days.
 */
export function timelineRange(body: RuleInput): { fromDate?: string; days: number } {
  const { from, until } = body;
  if (!from || !until || !ISO_DATE.test(from) || !ISO_DATE.test(until) || until < from) return { days: 7 };
  const span = Math.round((Date.parse(`${until}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
  return Number.isFinite(span) ? { fromDate: from, days: Math.min(Math.max(span, 1), 31) } : { days: 7 };
}
