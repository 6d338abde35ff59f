import { z } from 'zod';
import { lineText } from '../common/text';
import { pageQuery, uuid } from '../common/validation';

/** Shape only; the schedule semantics (times, dates, order) are checked by libs/scheduler's validateRule. */
export const ruleScope = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('hospital') }).strict(),
  z.object({ kind: z.literal('site'), siteId: uuid }).strict(),
  z.object({ kind: z.literal('kiosks'), kioskIds: z.array(uuid).min(1, 'list at least one kiosk').max(1000) }).strict(),
]);

const ruleFields = {
  name: lineText().min(1, 'required').max(200),
  scope: ruleScope,
  layer: z.enum(['regular', 'override']),
  // Bounded here, before any parsing: libs/scheduler checks what the values mean.
  days: z.array(z.number().int()).max(7, 'at most the 7 days of a week').nullable(),
  from: z.string().max(10).nullable(),
  until: z.string().max(10).nullable(),
  windows: z.array(z.object({ start: z.string().max(5), end: z.string().max(5) }).strict()).max(48),
  priority: z.number().int().min(-1_000_000).max(1_000_000),
};

/**
 * The other parts of one set of hours that runs past midnight on some days (the
 * console's overnight window): rules of their own with this rule's scope, layer,
 * dates and priority, saved with it in one transaction, so a save never leaves half.
 */
const companions = z
  .array(z.object({ name: ruleFields.name, days: ruleFields.days, windows: ruleFields.windows }).strict())
  .max(7, 'at most one companion per day of the week');

export const createRuleBody = z
  .object({
    hospitalId: uuid,
    ...ruleFields,
    days: ruleFields.days.default(null),
    from: ruleFields.from.default(null),
    until: ruleFields.until.default(null),
    priority: ruleFields.priority.default(0),
    companions: companions.default([]),
  })
  .strict();

export const updateRuleBody = z
  .object({ ...ruleFields, companions })
  .partial()
  .strict();

export const listRulesQuery = pageQuery.extend({
  hospitalId: uuid.optional(),
  siteId: uuid.optional(),
  layer: z.enum(['regular', 'override']).optional(),
  scopeKind: z.enum(['hospital', 'site', 'kiosks']).optional(),
});
