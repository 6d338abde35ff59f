import { PowerRule, ScheduleError, validateRule, Weekday } from '@wakeward/scheduler';
import { badRequest } from '../common/errors';
import { PowerRuleRecord } from '../rules/power-rule.entity';

/** The stored rule as libs/scheduler reads it. */
export function toSchedulerRule(r: PowerRuleRecord): PowerRule {
  const scope: PowerRule['scope'] =
    r.scopeKind === 'hospital'
      ? { kind: 'hospital', hospitalId: r.hospitalId }
      : r.scopeKind === 'site'
        ? { kind: 'site', siteId: r.siteId! }
        : { kind: 'kiosks', kioskIds: r.kioskIds ?? [] };
  return {
    id: r.id,
    scope,
    layer: r.layer,
    ...(r.days && { days: r.days as Weekday[] }),
    ...(r.fromDate && { from: r.fromDate }),
    ...(r.untilDate && { until: r.untilDate }),
    windows: r.windows,
    priority: r.priority,
    updatedAt: (r.updatedAt ?? new Date()).toISOString(),
  };
}

/** The API's view of a rule: the scheduler's fields plus name and hospital. */
export function publicRule(r: PowerRuleRecord) {
  return {
    id: r.id,
    hospitalId: r.hospitalId,
    name: r.name,
    scope: toSchedulerRule(r).scope,
    layer: r.layer,
    days: r.days,
    from: r.fromDate,
    until: r.untilDate,
    windows: r.windows,
    priority: r.priority,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

/** Runs the scheduler's own validation and reports its finding as a 400 with code and field. */
export function assertValidRule(r: PowerRuleRecord): void {
  try {
    validateRule(toSchedulerRule(r));
  } catch (err) {
    if (err instanceof ScheduleError) {
      const field = err.field.replace(/\[(\d+)\]/g, '.$1');
      throw badRequest(err.code, err.message.replace(/^power rule "[^"]*": /, ''), field);
    }
    throw err;
  }
}
