/**
 * What the fleet view says of each kiosk, as pure functions shared by one site's
 * view and the cross-site overview: the scheduled state now and until when, whether
 * what the agents see disagrees with it, and when the kiosk was last seen up.
 */
import { expectedState, type ManualCommand } from '../schedule/expected-state';
import { effectiveState, transitionGroups, type KioskRef, type PowerRule, type State } from '../schedule/hospital-schedule';

/**
 * How far ahead the next transition is looked for. A console refetches well before
 * this runs out (it refreshes on a timer too), so two days is plenty and cheap.
 */
export const EXPECTED_HORIZON_MS = 48 * 3_600_000;

export interface ScheduledState {
  expected: State;
  ruleId?: string;
  /** The instant the schedule next changes this kiosk's state (within the horizon), or null. */
  until: Date | null;
  /** The state from `until` on. */
  next: State | null;
}

/**
 * The scheduled state of many kiosks at `now` and their next transition. Kiosks with
 * the same zone and rules share one computation (transitionGroups), so a
 * whole fleet costs what its distinct schedules cost.
 */
export function scheduledStates(rules: readonly PowerRule[], kiosks: readonly KioskRef[], now: Date): Map<string, ScheduledState> {
  const out = new Map<string, ScheduledState>();
  if (!kiosks.length) return out;
  // A kiosk no rule names has its site's schedule (a site has one hospital and one
  // zone): one such kiosk per site stands for the others, so the overview's 25,000
  // kiosks are a few thousand by the time transitionGroups groups them.
  const named = new Set(rules.flatMap((r) => (r.scope.kind === 'kiosks' ? r.scope.kioskIds : [])));
  const standIns = new Map<string, KioskRef>();
  const standInOf: Array<[string, KioskRef]> = [];
  const planned: KioskRef[] = [];
  for (const kiosk of kiosks) {
    if (named.has(kiosk.id)) {
      planned.push(kiosk);
      continue;
    }
    let standIn = standIns.get(kiosk.siteId);
    if (!standIn) {
      standIns.set(kiosk.siteId, (standIn = kiosk));
      planned.push(kiosk);
    } else standInOf.push([kiosk.id, standIn]);
  }
  for (const group of transitionGroups(rules, planned, now, new Date(now.getTime() + EXPECTED_HORIZON_MS))) {
    const current = effectiveState(group.rules, group.kiosks[0], now);
    // A transition exactly at `now` is already in force (resolve says so): the next one is later.
    const upcoming = group.transitions.find((t) => t.at.getTime() > now.getTime()) ?? null;
    const state: ScheduledState = {
      expected: current.state,
      ...(current.ruleId && { ruleId: current.ruleId }),
      until: upcoming?.at ?? null,
      next: upcoming?.state ?? null,
    };
    for (const kiosk of group.kiosks) out.set(kiosk.id, state);
  }
  for (const [kioskId, standIn] of standInOf) out.set(kioskId, out.get(standIn.id)!);
  return out;
}

/**
 * A sighting older than this no longer counts. Agents send a full snapshot every
 * 5 minutes, so one lost snapshot does not make a kiosk unknown; two do.
 */
export const SIGHTING_TTL_MS = 10 * 60_000;

export interface AgentSighting {
  up: boolean;
  observedAt: Date;
  /** The last heartbeat of the agent that made the sighting (server time), if any. */
  agentHeartbeatAt: Date | null;
}

export type Observed = 'up' | 'down' | 'unknown';

export const isFresh = (observedAt: Date, now: Date) => now.getTime() - observedAt.getTime() <= SIGHTING_TTL_MS;

/** A kiosk is up when any agent of its site recently saw it up (PROTOCOL.md, probes). */
export function observedState(sightings: Pick<AgentSighting, 'up' | 'observedAt'>[], now: Date): { observed: Observed; lastSeenAt: Date | null } {
  // One pass, no arrays: the overview runs this for every kiosk of the fleet.
  let fresh = false;
  let freshUp = false;
  let lastUp: number | null = null;
  for (const s of sightings) {
    if (s.up && (lastUp === null || s.observedAt.getTime() > lastUp)) lastUp = s.observedAt.getTime();
    if (isFresh(s.observedAt, now)) {
      fresh = true;
      freshUp ||= s.up;
    }
  }
  const lastSeenAt = lastUp === null ? null : new Date(lastUp);
  return { observed: !fresh ? 'unknown' : freshUp ? 'up' : 'down', lastSeenAt };
}

/** Should be on but is down, or should be off but is up. Unknown is no mismatch: nobody knows. */
export function isMismatch(expected: State, observed: Observed): boolean {
  return (expected === 'on' && observed === 'down') || (expected === 'off' && observed === 'up');
}


export interface KioskState extends ScheduledState {
  observed: Observed;
  mismatch: boolean;
  /** The wake / shutdown now that decides `expected` until the schedule's next transition (`until`). */
  manual?: ManualCommand;
}

/**
 * Expected (schedule) and observed (probes) state of kiosks and whether they
 * disagree: the one computation behind a site's fleet view and the overview's counts.
 */
export function kioskStates(
  rules: readonly PowerRule[],
  kiosks: readonly KioskRef[],
  sightings: ReadonlyMap<string, Pick<AgentSighting, 'up' | 'observedAt'>[]>,
  now: Date,
  manual: ReadonlyMap<string, ManualCommand> = new Map(),
): Map<string, KioskState> {
  const scheduled = scheduledStates(rules, kiosks, now);
  const out = new Map<string, KioskState>();
  for (const kiosk of kiosks) {
    const { until, next, ...schedule } = scheduled.get(kiosk.id)!;
    // A person's wake / shutdown now holds until the schedule's next transition (expected-state.ts).
    const command = manual.get(kiosk.id);
    const held = command ? expectedState(rules, kiosk, now, command) : undefined;
    const { expected, ruleId } = held?.manual ? { expected: held.state, ruleId: undefined } : schedule;
    const { observed } = observedState(sightings.get(kiosk.id) ?? [], now);
    out.set(kiosk.id, { expected, ruleId, until, next, observed, mismatch: isMismatch(expected, observed), ...(held?.manual && { manual: held.manual }) });
  }
  return out;
}

/**
 * When the site's agents last confirmed the kiosk up. An agent probes every
 * `probeIntervalMs` and reports every change at once (PROTOCOL.md "Probes"), so
 * while it keeps beating, its silence says its latest report still holds as of its
 * previous probe round: a heartbeat vouches for its kiosks up to one probe interval
 * before it. Only a fresh sighting (`freshMs`) is vouched for: an agent whose probe
 * loop stopped sends no snapshots and its kiosks age from their last probe, then
 * turn unknown. Without this, a healthy kiosk read "seen 4 minutes ago" between two
 * 5-minute snapshots.
 */
export function lastSeenUp(sightings: readonly AgentSighting[], now: Date, probeIntervalMs: number, freshMs: number): Date | null {
  let best: number | null = null;
  for (const s of sightings) {
    if (!s.up) continue;
    let seen = s.observedAt.getTime();
    const beat = s.agentHeartbeatAt?.getTime();
    if (beat !== undefined && now.getTime() - seen <= freshMs && beat > seen) {
      seen = Math.max(seen, Math.min(beat, now.getTime()) - probeIntervalMs);
    }
    if (best === null || seen > best) best = seen;
  }
  return best === null ? null : new Date(best);
}
