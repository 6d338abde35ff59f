import { explain, KioskRef, PowerRule, PowerWindow, type ReasonCode, type ReasonParams, Weekday } from '@wakeward/scheduler';
import { DateTime } from 'luxon';
import { namedParams, rulesCovering } from './kiosk-schedule';

/**
 * What a rule being edited does to every kiosk of its scope on its own dates: which
 * kiosks keep its hours, which escape it (another rule with other hours wins) and
 * why, and the hours on before (as stored) and after. Pure: the service loads
 * kiosks and rules, this only decides.
 */

/** An override's period is bounded by its dates; a regular rule shows its next occurrences. */
export const IMPACT_OVERRIDE_DATES = 31;
export const IMPACT_REGULAR_DATES = 14;
/** The list of escaping kiosks the console shows; the counts and the include list cover all of them. */
export const IMPACT_ESCAPING_LISTED = 200;
/** A rule of a year without a matching weekday is not searched further. */
const DATE_SCAN_LIMIT = 400;

export interface ImpactKiosk {
  ref: KioskRef;
  code: string;
  name: string;
  siteName: string;
}

export interface RuleRef {
  id: string;
  name: string;
  layer: string;
  scopeKind: string;
  priority: number;
}

export interface EscapingKiosk {
  kioskId: string;
  code: string;
  name: string;
  site: { id: string; name: string };
  /** The local dates of the rule on which another rule wins for this kiosk. */
  dates: string[];
  winner: RuleRef;
  /** Why the edited rule loses, in the scheduler's words (rule ids replaced by names). */
  reason: string;
  /** The same for the console to word in the user's language (`ruleName` added to the params). */
  reasonCode: ReasonCode | '';
  reasonParams: ReasonParams;
  /** The precedence step that decides (DESIGN.md), for the console to say in the user's language. */
  decidedBy: 'scope' | 'layer' | 'priority' | 'updatedAt';
  /** False when no kiosk-level rule of the edited rule's kind could win (a kiosk override beats any regular rule). */
  includable: boolean;
}

export interface HoursOn {
  /** Local wall-clock windows; `null` = no rule in force (unmanaged). */
  windows: PowerWindow[] | null;
  hours: number;
}

export interface DateComparison {
  date: string;
  governed: number;
  after: HoursOn;
  before: Array<HoursOn & { rule: { id: string; name: string } | null; kiosks: number }>;
}

export interface RuleImpact {
  dates: string[];
  /** More dates in force than shown (an override of many weeks, a regular rule without end). */
  datesTruncated: boolean;
  scopeKiosks: number;
  /** Kiosks that keep the rule's hours on every one of its dates. */
  governed: number;
  /** Of those, kiosks where another rule with the same hours wins on some date (a kiosk-level copy). */
  governedByOtherRules: number;
  escapingTotal: number;
  escaping: EscapingKiosk[];
  /** What makes the escaping kiosks follow the rule: a kiosk-level rule of the same kind over them. */
  include: { kioskIds: string[]; layer: string; priority: number } | null;
  comparison: DateComparison[];
}

/** Local dates (YYYY-MM-DD) on which `rule` is in force, starting at `today` or at the rule's first date. */
export function ruleDates(rule: PowerRule, today: string): { dates: string[]; truncated: boolean } {
  const limit = rule.layer === 'override' ? IMPACT_OVERRIDE_DATES : IMPACT_REGULAR_DATES;
  // A period already over is shown from its start; one under way from today.
  let start = today;
  if (rule.from && rule.from > today) start = rule.from;
  if (rule.from && rule.until && rule.until < today) start = rule.from;
  const dates: string[] = [];
  let day = DateTime.fromISO(start, { zone: 'UTC' });
  for (let i = 0; i < DATE_SCAN_LIMIT; i++, day = day.plus({ days: 1 })) {
    const date = day.toISODate()!;
    if (rule.until && date > rule.until) return { dates, truncated: false };
    if (rule.from && date < rule.from) continue;
    if (rule.days && !rule.days.includes(day.weekday as Weekday)) continue;
    if (dates.length === limit) return { dates, truncated: true };
    dates.push(date);
  }
  return { dates, truncated: !rule.until };
}

export function ruleImpact(args: {
  draft: PowerRule;
  /** The hospital's rules as stored (the edited one as it was, if it exists): the schedule before. */
  stored: PowerRule[];
  /** Rule names as stored, and the draft's name under its id. */
  storedNames: Map<string, string>;
  draftName: string;
  kiosks: ImpactKiosk[];
  dates: string[];
  datesTruncated: boolean;
}): RuleImpact {
  const { draft, stored, storedNames, kiosks, dates } = args;
  const before = stored;
  const after = [...stored.filter((r) => r.id !== draft.id), draft];
  const nameOf = (id: string) => (id === draft.id ? args.draftName : (storedNames.get(id) ?? id));
  const refOf = (r: PowerRule): RuleRef => ({ id: r.id, name: nameOf(r.id), layer: r.layer, scopeKind: r.scope.kind, priority: r.priority });
  const comparison = new Map<string, { governed: number; before: Map<string, DateComparison['before'][number]> }>(
    dates.map((d) => [d, { governed: 0, before: new Map() }]),
  );
  const escaping: EscapingKiosk[] = [];
  const sameHoursElsewhere = new Set<string>();
  let governed = 0;
  for (const k of kiosks) {
    const beforeRules = rulesCovering(before, k.ref);
    const afterRules = rulesCovering(after, k.ref);
    let lost: EscapingKiosk | null = null;
    for (const date of dates) {
      const why = explain(afterRules, k.ref, date);
      // A kiosk whose winning rule has the same hours (e.g. the kiosk override made by
      // "include") does what this rule says: it does not escape it.
      if (why.winner && (why.winner.id === draft.id || sameWindows(why.winner.windows, draft.windows))) {
        if (why.winner.id !== draft.id) sameHoursElsewhere.add(k.ref.id);
        const day = comparison.get(date)!;
        day.governed++;
        const was = explain(beforeRules, k.ref, date).winner;
        const key = was?.id ?? '';
        const entry = day.before.get(key) ?? {
          rule: was ? { id: was.id, name: storedNames.get(was.id) ?? was.id } : null,
          ...hoursOn(was?.windows ?? null),
          kiosks: 0,
        };
        entry.kiosks++;
        day.before.set(key, entry);
        continue;
      }
      if (!why.winner) continue; // not in force for this kiosk (cannot happen for a rule covering it)
      if (!lost) {
        const mine = why.candidates.find((c) => c.rule.id === draft.id);
        lost = {
          kioskId: k.ref.id,
          code: k.code,
          name: k.name,
          site: { id: k.ref.siteId, name: k.siteName },
          dates: [],
          winner: refOf(why.winner),
          reason: (mine?.reason ?? '').replace(/rule ([0-9a-f-]{36})/g, (_, id: string) => `"${nameOf(id)}"`),
          reasonCode: mine?.reasonCode ?? '',
          reasonParams: namedParams(mine?.reasonParams ?? {}, nameOf),
          decidedBy: decidingStep(why.winner, draft),
          includable: !(why.winner.scope.kind === 'kiosks' && why.winner.layer === 'override' && draft.layer === 'regular'),
        };
      }
      lost.dates.push(date);
    }
    if (lost) escaping.push(lost);
    else governed++;
  }
  escaping.sort((a, b) => a.site.name.localeCompare(b.site.name) || a.code.localeCompare(b.code));
  return {
    dates,
    datesTruncated: args.datesTruncated,
    scopeKiosks: kiosks.length,
    governed,
    governedByOtherRules: sameHoursElsewhere.size,
    escapingTotal: escaping.length,
    escaping: escaping.slice(0, IMPACT_ESCAPING_LISTED),
    include: includeRule(draft, escaping),
    comparison: dates.map((date) => {
      const day = comparison.get(date)!;
      return {
        date,
        governed: day.governed,
        after: hoursOn(draft.windows),
        before: [...day.before.values()].sort((a, b) => b.kiosks - a.kiosks),
      };
    }),
  };
}

/**
 * The kiosk-level rule that makes escaping kiosks follow the edited one: kiosk scope
 * is the most specific, so only a rival kiosk rule can still win, by layer or
 * priority; the priority is set one above the highest such rival.
 */
function includeRule(draft: PowerRule, escaping: EscapingKiosk[]): RuleImpact['include'] {
  const includable = escaping.filter((e) => e.includable);
  if (!includable.length) return null;
  const rivals = includable.filter((e) => e.winner.scopeKind === 'kiosks' && e.winner.layer === draft.layer);
  const priority = Math.max(draft.priority, ...rivals.map((e) => e.winner.priority + 1));
  return { kioskIds: includable.map((e) => e.kioskId), layer: draft.layer, priority };
}

const SCOPE_RANK = { hospital: 0, site: 1, kiosks: 2 } as const;

/** The first precedence step on which `winner` beats `loser` (same order as libs/scheduler). */
function decidingStep(winner: PowerRule, loser: PowerRule): EscapingKiosk['decidedBy'] {
  if (SCOPE_RANK[winner.scope.kind] !== SCOPE_RANK[loser.scope.kind]) return 'scope';
  if (winner.layer !== loser.layer) return 'layer';
  if (winner.priority !== loser.priority) return 'priority';
  return 'updatedAt';
}

function sameWindows(a: readonly PowerWindow[], b: readonly PowerWindow[]): boolean {
  return a.length === b.length && a.every((w, i) => w.start === b[i].start && w.end === b[i].end);
}

function hoursOn(windows: readonly PowerWindow[] | null): HoursOn {
  if (!windows) return { windows: null, hours: 0 };
  const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  const total = windows.reduce((sum, w) => sum + minutes(w.end) - minutes(w.start), 0);
  return { windows: windows.map((w) => ({ start: w.start, end: w.end })), hours: Math.round((total / 60) * 100) / 100 };
}
