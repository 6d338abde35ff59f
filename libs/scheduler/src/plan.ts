import { zoneClock } from './local-time';
import { compileRules, type CompiledRule } from './rules';
import { transitionsOf } from './transitions';
import type { KioskRef, PowerRule, Transition } from './types';
import { instantMs, validateKiosk } from './validate';

/** Kiosks that share a zone and exactly the same applicable rules, hence the same transitions. */
export interface KioskGroup {
  timeZone: string;
  /** May span several sites (e.g. all kiosks of a hospital that only has a hospital rule, in one zone). */
  kiosks: KioskRef[];
  /** The rules whose scope covers these kiosks, in input order. */
  rules: PowerRule[];
  /** Shared by every kiosk of the group: read-only. */
  transitions: readonly Transition[];
}

export interface FleetPlan {
  groups: KioskGroup[];
  /** Kiosk id -> its transitions (the group's array, not a copy). */
  byKiosk: ReadonlyMap<string, readonly Transition[]>;
}

/**
 * The transitions of many kiosks in [from, to), computing each distinct
 * (zone, applicable rule set) once. For the dispatcher's rolling ~26 h plan.
 */
export function planTransitions(rules: readonly PowerRule[], kiosks: readonly KioskRef[], from: Date, to: Date): FleetPlan {
  const fromMs = instantMs(from, 'from');
  const toMs = instantMs(to, 'to');
  const compiled = compileRules(rules);

  // Index rules by what their scope names, so finding a kiosk's rules costs three lookups.
  const byHospital = new Map<string, RuleList>();
  const bySite = new Map<string, RuleList>();
  const byKioskId = new Map<string, RuleList>();
  compiled.forEach(({ rule }, i) => {
    const scope = rule.scope;
    if (scope.kind === 'hospital') addTo(byHospital, scope.hospitalId, i);
    else if (scope.kind === 'site') addTo(bySite, scope.siteId, i);
    else for (const kioskId of scope.kioskIds) addTo(byKioskId, kioskId, i);
  });

  // Rules of each scope kind come in input order and the kinds in a fixed order, so
  // equal rule sets give equal keys without sorting.
  const groupsByKey = new Map<string, { timeZone: string; kiosks: KioskRef[]; ruleIndexes: number[] }>();
  const checkedZones = new Set<string>();
  for (const kiosk of kiosks) {
    if (!checkedZones.has(kiosk.timeZone)) {
      validateKiosk(kiosk);
      checkedZones.add(kiosk.timeZone);
    }
    const hospitalRules = byHospital.get(kiosk.hospitalId) ?? NO_RULES;
    const siteRules = bySite.get(kiosk.siteId) ?? NO_RULES;
    const kioskRules = byKioskId.get(kiosk.id) ?? NO_RULES;
    const key = `${kiosk.timeZone}|${keyOf(hospitalRules)}|${keyOf(siteRules)}|${keyOf(kioskRules)}`;
    const group = groupsByKey.get(key);
    if (group) group.kiosks.push(kiosk);
    else {
      groupsByKey.set(key, {
        timeZone: kiosk.timeZone,
        kiosks: [kiosk],
        ruleIndexes: [...hospitalRules.indexes, ...siteRules.indexes, ...kioskRules.indexes],
      });
    }
  }

  const groups: KioskGroup[] = [];
  const byKiosk = new Map<string, readonly Transition[]>();
  for (const { timeZone, kiosks: members, ruleIndexes } of groupsByKey.values()) {
    const applicable: CompiledRule[] = ruleIndexes.map((i) => compiled[i]);
    const planned = transitionsOf(applicable, zoneClock(timeZone), fromMs, toMs);
    groups.push({ timeZone, kiosks: members, rules: applicable.map((r) => r.rule), transitions: planned });
    for (const kiosk of members) byKiosk.set(kiosk.id, planned);
  }
  return { groups, byKiosk };
}

/** Indexes (into the rule array) of the rules one hospital, site or kiosk id names. */
interface RuleList {
  indexes: number[];
  /** The indexes joined, computed once: kiosks named by the same rules get equal keys. */
  key?: string;
}

const NO_RULES: RuleList = { indexes: [], key: '' };

function addTo(index: Map<string, RuleList>, id: string, ruleIndex: number): void {
  const list = index.get(id);
  if (!list) index.set(id, { indexes: [ruleIndex] });
  else if (list.indexes[list.indexes.length - 1] !== ruleIndex) list.indexes.push(ruleIndex); // an id listed twice in one rule
}

function keyOf(list: RuleList): string {
  return (list.key ??= list.indexes.join(','));
}
