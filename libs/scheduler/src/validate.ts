import { IANAZone } from 'luxon';
import { parseClock, parseLocalDate } from './calendar';
import type { KioskRef, PowerRule } from './types';

/** Stable codes the API maps to its own error responses. */
export type ScheduleErrorCode =
  | 'RULE_ID_INVALID'
  | 'RULE_SCOPE_INVALID'
  | 'RULE_LAYER_INVALID'
  | 'RULE_DAYS_INVALID'
  | 'RULE_DATE_INVALID'
  | 'RULE_WINDOW_INVALID'
  | 'RULE_PRIORITY_INVALID'
  | 'RULE_UPDATED_AT_INVALID'
  | 'KIOSK_TIME_ZONE_INVALID'
  | 'INSTANT_INVALID'
  | 'LOCAL_DATE_INVALID'
  | 'LOCAL_TIME_INVALID';

/**
 * A rule, kiosk or argument the scheduler cannot read. It is a RangeError (the
 * contract callers rely on) that also carries the offending rule or kiosk id, the
 * field and a stable code, so the API can answer without parsing the message.
 */
export class ScheduleError extends RangeError {
  constructor(
    readonly code: ScheduleErrorCode,
    /** The rule id, or for KIOSK_TIME_ZONE_INVALID the kiosk id. */
    readonly subjectId: string | undefined,
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ScheduleError';
  }
}

const zoneValidity = new Map<string, boolean>();

/** True when the host's Intl knows the IANA zone name (e.g. 'Asia/Shanghai', 'UTC'). */
export function isValidTimeZone(zone: string): boolean {
  if (typeof zone !== 'string' || zone === '') return false;
  let known = zoneValidity.get(zone);
  if (known === undefined) {
    known = IANAZone.isValidZone(zone);
    zoneValidity.set(zone, known);
  }
  return known;
}

function ruleError(rule: PowerRule, code: ScheduleErrorCode, field: string, problem: string): ScheduleError {
  const id = typeof rule?.id === 'string' ? rule.id : undefined;
  return new ScheduleError(code, id, field, `power rule ${JSON.stringify(id ?? '?')}: ${field} ${problem}`);
}

const quote = (value: unknown) => JSON.stringify(value) ?? String(value);
const nonEmptyString = (value: unknown): value is string => typeof value === 'string' && value !== '';

// An instant must carry its zone: Date.parse reads '2026-01-05T08:00' in the host's
// local zone, which would make precedence depend on the machine.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Throws a ScheduleError (a RangeError) naming the rule id and the field when the rule cannot be read. */
export function validateRule(rule: PowerRule): void {
  if (typeof rule !== 'object' || rule === null) {
    throw new ScheduleError('RULE_ID_INVALID', undefined, 'rule', 'power rule: not an object');
  }
  if (!nonEmptyString(rule.id)) throw ruleError(rule, 'RULE_ID_INVALID', 'id', 'must be a non-empty string');
  validateScope(rule);
  if (rule.layer !== 'regular' && rule.layer !== 'override') {
    throw ruleError(rule, 'RULE_LAYER_INVALID', 'layer', `${quote(rule.layer)} is not 'regular' or 'override'`);
  }
  if (rule.days !== undefined) {
    if (!Array.isArray(rule.days) || rule.days.length === 0) {
      throw ruleError(rule, 'RULE_DAYS_INVALID', 'days', 'must list at least one weekday (omit it for every day)');
    }
    rule.days.forEach((day, i) => {
      if (!Number.isInteger(day) || day < 1 || day > 7) {
        throw ruleError(rule, 'RULE_DAYS_INVALID', `days[${i}]`, `${quote(day)} is not an ISO weekday 1-7`);
      }
    });
  }
  const from = validateDate(rule, 'from');
  const until = validateDate(rule, 'until');
  if (from !== undefined && until !== undefined && from > until) {
    throw ruleError(rule, 'RULE_DATE_INVALID', 'until', `${rule.until} is before from ${rule.from}`);
  }
  if (!Array.isArray(rule.windows)) throw ruleError(rule, 'RULE_WINDOW_INVALID', 'windows', 'must be an array');
  rule.windows.forEach((window, i) => {
    const start = parseClock(window?.start, false);
    if (start === undefined) {
      throw ruleError(rule, 'RULE_WINDOW_INVALID', `windows[${i}].start`, `${quote(window?.start)} is not HH:mm (00:00-23:59)`);
    }
    const end = parseClock(window.end, true);
    if (end === undefined) {
      throw ruleError(rule, 'RULE_WINDOW_INVALID', `windows[${i}].end`, `${quote(window.end)} is not HH:mm (00:01-24:00)`);
    }
    if (start >= end) {
      throw ruleError(rule, 'RULE_WINDOW_INVALID', `windows[${i}].end`, `${window.end} is not after start ${window.start}`);
    }
  });
  if (typeof rule.priority !== 'number' || !Number.isFinite(rule.priority)) {
    throw ruleError(rule, 'RULE_PRIORITY_INVALID', 'priority', `${quote(rule.priority)} is not a finite number`);
  }
  if (typeof rule.updatedAt !== 'string' || !ISO_INSTANT.test(rule.updatedAt) || Number.isNaN(Date.parse(rule.updatedAt))) {
    throw ruleError(rule, 'RULE_UPDATED_AT_INVALID', 'updatedAt', `${quote(rule.updatedAt)} is not an ISO instant with a zone designator`);
  }
}

function validateScope(rule: PowerRule): void {
  const scope = rule.scope as Partial<Record<string, unknown>> | undefined;
  const bad = (field: string, problem: string) => ruleError(rule, 'RULE_SCOPE_INVALID', field, problem);
  switch (scope?.kind) {
    case 'hospital':
      if (!nonEmptyString(scope.hospitalId)) throw bad('scope.hospitalId', 'must be a non-empty string');
      return;
    case 'site':
      if (!nonEmptyString(scope.siteId)) throw bad('scope.siteId', 'must be a non-empty string');
      return;
    case 'kiosks':
      if (!Array.isArray(scope.kioskIds) || scope.kioskIds.length === 0) {
        throw bad('scope.kioskIds', 'must list at least one kiosk');
      }
      scope.kioskIds.forEach((id, i) => {
        if (!nonEmptyString(id)) throw bad(`scope.kioskIds[${i}]`, 'must be a non-empty string');
      });
      return;
    default:
      throw bad('scope.kind', `${quote(scope?.kind)} is not 'hospital', 'site' or 'kiosks'`);
  }
}

function validateDate(rule: PowerRule, field: 'from' | 'until'): number | undefined {
  const text = rule[field];
  if (text === undefined) return undefined;
  const day = parseLocalDate(text);
  if (day === undefined) throw ruleError(rule, 'RULE_DATE_INVALID', field, `${quote(text)} is not a date YYYY-MM-DD`);
  return day;
}

export function validateKiosk(kiosk: KioskRef): void {
  if (!isValidTimeZone(kiosk?.timeZone)) {
    throw new ScheduleError(
      'KIOSK_TIME_ZONE_INVALID',
      kiosk?.id,
      'timeZone',
      `kiosk ${JSON.stringify(kiosk?.id ?? '?')}: timeZone ${quote(kiosk?.timeZone)} is not a known IANA zone`,
    );
  }
}

/** Milliseconds of a Date argument, refusing Invalid Date. */
export function instantMs(value: Date, field: string): number {
  const ms = value instanceof Date ? value.getTime() : Number.NaN;
  if (Number.isNaN(ms)) throw new ScheduleError('INSTANT_INVALID', undefined, field, `${field} is not a valid Date`);
  return ms;
}
