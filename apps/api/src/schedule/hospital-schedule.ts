import { Injectable } from '@nestjs/common';
import { planTransitions, resolve, type KioskRef, type PowerRule, type Resolution, type State, type Transition } from '@wakeward/scheduler';
import type { Kiosk } from '../kiosks/kiosk.entity';
import { RulesRepository } from '../rules/rules.repository';
import type { Site } from '../sites/site.entity';
import { toSchedulerRule } from './rule-mapping';

// The API meets libs/scheduler here (and in the rest of schedule/): other domains load
// a hospital's rules through HospitalSchedule and ask these functions, never the
// library itself, so the rule mapping and the library's vocabulary stay in one place.
export type { KioskRef, PowerRule, Resolution, State, Transition };

/** A kiosk as the scheduler sees it: its site's zone decides its local dates. */
export function kioskRef(kiosk: Kiosk, site: Site): KioskRef {
  return { id: kiosk.id, siteId: kiosk.siteId, hospitalId: kiosk.hospitalId, timeZone: site.timeZone };
}

/** The schedule's state of a kiosk at an instant and the rule that decides it (no manual command counted). */
export function effectiveState(rules: readonly PowerRule[], kiosk: KioskRef, at: Date): Resolution {
  return resolve(rules, kiosk, at);
}

/** Kiosks sharing a zone and the same applicable rules, and their changes of state. */
export interface TransitionGroup {
  kiosks: readonly KioskRef[];
  /** The rules that apply to these kiosks (a subset of those given). */
  rules: readonly PowerRule[];
  transitions: readonly Transition[];
}

/**
 * The changes of state of many kiosks in [from, to), computed once per group of
 * kiosks with the same zone and rules: what the planner, the fleet view and the
 * calendar cost is that of the distinct schedules, not of the kiosks.
 */
export function transitionGroups(rules: readonly PowerRule[], kiosks: readonly KioskRef[], from: Date, to: Date): readonly TransitionGroup[] {
  return planTransitions(rules, kiosks, from, to).groups;
}

/** Loads hospitals' stored rules in the form the schedule functions read. */
@Injectable()
export class HospitalSchedule {
  constructor(private readonly rules: RulesRepository) {}

  async rulesFor(hospitalId: string): Promise<PowerRule[]> {
    return (await this.rules.getByHospital(hospitalId)).map(toSchedulerRule);
  }

  /** Every rule of these hospitals ('all': of every hospital), for fleet-wide computations. */
  async rulesForHospitals(hospitalIds: string[] | 'all'): Promise<PowerRule[]> {
    return (await this.rules.getByHospitals(hospitalIds)).map(toSchedulerRule);
  }
}
