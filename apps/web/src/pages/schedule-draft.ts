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
