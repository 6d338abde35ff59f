/**
 * @wakeward/scheduler — power rules -> the state each kiosk must be in.
 *
 * Pure TypeScript: no framework, no I/O, nothing read from the host's clock or zone.
 * Instants are `Date`s (UTC inside); local dates and times are read in the kiosk's
 * site zone (`KioskRef.timeZone`, IANA).
 *
 * Semantics (DESIGN.md, "Schedule semantics"):
 * - A rule is in force on local date D when its scope covers the kiosk, D's ISO
 *   weekday is in `days` (omitted = every day) and `from <= D <= until` where given.
 * - On each local date one rule in force wins the whole date: kiosk scope > site >
 *   hospital; then `override` > `regular`; then higher `priority`; then later
 *   `updatedAt`; then greater `id`. The winner's windows are ON, the rest of the
 *   date OFF. No rule in force: `unmanaged`.
 * - Wall-clock readings become instants in the kiosk's zone: one inside a
 *   spring-forward gap takes effect at the first instant after the gap, one that
 *   occurs twice at its first occurrence. Local date D spans [D 00:00, D+1 00:00),
 *   both mapped that way. Touching periods (24:00 then 00:00 next date) are one.
 *
 * API:
 * - `resolve(rules, kiosk, at)` -> `{ state, ruleId? }` at an instant.
 * - `transitions(rules, kiosk, from, to)` -> every change of state in [from, to),
 *   `{ at, state, ruleId? }`, in order, never two equal states in a row.
 * - `explain(rules, kiosk, 'YYYY-MM-DD')` -> the winner of that date and, for every
 *   rule, whether it is in force and a readable reason it wins or loses, also as a
 *   `reasonCode` with `reasonParams` for the console to word in the user's language.
 * - `planTransitions(rules, kiosks, from, to)` -> `{ groups, byKiosk }`: the
 *   dispatcher's fleet plan. Kiosks with the same zone and the same applicable rules
 *   form a group whose transitions are computed once and shared (read-only).
 * - `validateRule(rule)` and `isValidTimeZone(zone)`: for the API's edge. An invalid
 *   rule (bad time or date, start >= end, empty `days`, ...) or unknown kiosk zone
 *   throws a `ScheduleError`, a `RangeError` naming the rule (or kiosk) id and the
 *   field, with a stable `code` such as `RULE_WINDOW_INVALID`.
 * - `localToInstant('YYYY-MM-DD', 'HH:mm', zone)`: the wall-clock rule on its own,
 *   for previews.
 * - `localDays(first, count, zone)` and `localDaysBetween(from, to, zone)`: local
 *   dates of a zone with the instants each spans, `{ date, start, end }` (23 or
 *   25 h across a DST change, empty for a date the zone skipped; the second lists
 *   only dates meeting [from, to)); `localDateOf(instant, zone)` the date holding
 *   an instant. For calendars and previews that step through dates.
 * - `coversKiosk(rule, kiosk)`: whether a rule's scope speaks for the kiosk.
 *
 * Rules are treated as values: each rule object is validated and parsed on first
 * use and remembered (by identity); pass a new object rather than mutating one.
 */
export type { KioskRef, PowerRule, PowerWindow, Resolution, RuleScope, State, Transition, Weekday } from './types';
export { resolve } from './resolve';
export { transitions } from './transitions';
export { explain, type Candidate, type Explanation, type ReasonCode, type ReasonParams } from './explain';
export { planTransitions, type FleetPlan, type KioskGroup } from './plan';
export { validateRule, isValidTimeZone, ScheduleError, type ScheduleErrorCode } from './validate';
export { localToInstant } from './local-time';
export { localDateOf, localDays, localDaysBetween, type LocalDay } from './local-days';
export { coversKiosk } from './rules';
