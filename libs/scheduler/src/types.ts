/** ISO weekday: Monday = 1 ... Sunday = 7. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** Which kiosks a rule speaks for. */
export type RuleScope =
  | { kind: 'hospital'; hospitalId: string }
  | { kind: 'site'; siteId: string }
  | { kind: 'kiosks'; kioskIds: string[] };

/** A local wall-clock interval `[start, end)` in which the kiosks must be ON. */
export interface PowerWindow {
  /** 'HH:mm', 00:00 to 23:59. */
  start: string;
  /** 'HH:mm', after start; '24:00' means the end of the day. */
  end: string;
}

/**
 * One schedule entry as hospital staff write it. On each local date it is in
 * force, its kiosks are ON inside its windows and OFF outside them.
 */
export interface PowerRule {
  id: string;
  scope: RuleScope;
  /** `regular`: weekly hours; `override`: a dated period (holidays, construction). */
  layer: 'regular' | 'override';
  /** Omitted: every day. Never empty. */
  days?: Weekday[];
  /** Local date 'YYYY-MM-DD', inclusive. */
  from?: string;
  /** Local date 'YYYY-MM-DD', inclusive. */
  until?: string;
  /** May be empty (off all day) and may overlap (their union counts). */
  windows: PowerWindow[];
  priority: number;
  /** ISO instant with a zone designator, e.g. '2026-01-05T08:00:00Z'. */
  updatedAt: string;
}

/** What the scheduler needs to know about a kiosk. */
export interface KioskRef {
  id: string;
  siteId: string;
  hospitalId: string;
  /** IANA zone of the kiosk's site, e.g. 'Asia/Shanghai'. */
  timeZone: string;
}

/** `unmanaged`: no rule is in force, Wakeward sends the kiosk nothing. */
export type State = 'on' | 'off' | 'unmanaged';

/** The state of a kiosk at an instant and the rule that decided it (absent when unmanaged). */
export interface Resolution {
  state: State;
  ruleId?: string;
}

/** From `at` on, the kiosk must be in `state`. */
export interface Transition {
  at: Date;
  state: State;
  ruleId?: string;
}
