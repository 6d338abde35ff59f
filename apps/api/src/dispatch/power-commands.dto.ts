import { z } from 'zod';
import { uuid } from '../common/validation';

const instant = z.iso.datetime({ offset: true, message: 'not an ISO 8601 instant (e.g. 2026-01-01T07:00:00.000Z)' }).transform((s) => new Date(s));

/**
 * At most this many kiosks per request: a hospital campus has up to ~100, so 1,000
 * covers any site while bounding one request's fan-out, rows and audit entry.
 */
export const MAX_KIOSKS_PER_POWER_COMMAND = 1000;

/** `POST /api/power-commands` and its preview: the kiosks named, or every kiosk of a site. */
export const powerCommandBody = z
  .object({
    action: z.enum(['wake', 'shutdown'], { message: 'one of wake, shutdown' }),
    kioskIds: z
      .array(uuid)
      .min(1, 'choose at least one kiosk')
      .max(MAX_KIOSKS_PER_POWER_COMMAND, `at most ${MAX_KIOSKS_PER_POWER_COMMAND} kiosks`)
      .refine((ids) => new Set(ids).size === ids.length, 'each kiosk at most once')
      .optional(),
    siteId: uuid.optional(),
    /** Required (true) for a shutdown: the console asks the user first. */
    confirm: z.boolean().optional(),
  })
  .strict()
  .refine((b) => (b.kioskIds === undefined) !== (b.siteId === undefined), {
    message: 'give either kioskIds or siteId (exactly one)',
    path: ['kioskIds'],
  });
export type PowerCommandInput = z.output<typeof powerCommandBody>;

export const dispatchHistoryQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
  source: z.enum(['schedule', 'manual']).optional(),
});

/** Console: send a command now (or at dueAt) to every agent that reaches the kiosks. */
export const siteCommandBody = z
  .object({
    type: z.enum(['wake', 'shutdown', 'probe'], { message: 'one of wake, shutdown, probe' }),
    kioskIds: z
      .array(uuid)
      .min(1)
      .max(1000)
      .refine((ids) => new Set(ids).size === ids.length, 'each kiosk at most once'),
    dueAt: instant.optional(),
    expiresAt: instant.optional(),
  })
  .strict();
export type SiteCommandInput = z.output<typeof siteCommandBody>;
