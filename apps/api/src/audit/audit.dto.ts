import { z } from 'zod';
import { pageQuery, uuid } from '../common/validation';
import type { AuditEntry } from './audit-entry.entity';

/** The deepest entry a page may reach (page x pageSize). */
export const AUDIT_MAX_PAGE_DEPTH = 100_000;

const instant = z.iso.datetime({ offset: true }).transform((s) => new Date(s));
const search = z.string().trim().min(1).max(100);

export const auditQuery = pageQuery
  .extend({
    hospitalId: uuid.optional(),
    entityType: z.string().max(40).optional(),
    entityId: z.string().max(64).optional(),
    /** Name (or code) of the entity, now or when the entry was made; with entityType, also its current name. */
    entity: search.optional(),
    actorId: uuid.optional(),
    /** Part of the actor's username. */
    actor: search.optional(),
    action: z.string().max(40).optional(),
    /** Free text over actor, action, entity and the state before and after. */
    q: search.optional(),
    from: instant.optional(),
    to: instant.optional(),
  })
  .refine((q) => !q.from || !q.to || q.from.getTime() < q.to.getTime(), { message: 'from must be before to', path: ['from'] })
  // OFFSET paging reads and drops every row before the page: bounded, deeper is for filters or the export.
  .refine((q) => q.page * q.pageSize <= AUDIT_MAX_PAGE_DEPTH, {
    message: `page x pageSize at most ${AUDIT_MAX_PAGE_DEPTH.toLocaleString('en')}: narrow the filters or export CSV`,
    path: ['page'],
  });
export type AuditQuery = z.output<typeof auditQuery>;

/** The zone of the export's local time column: an IANA name the runtime knows. */
export const exportQuery = z.object({
  timeZone: z
    .string()
    .max(64)
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time zone, e.g. Asia/Shanghai')
    .default('UTC'),
});

/** An entry as people read it: named, in the list, the export and the console. */
export interface ReadableAuditEntry extends AuditEntry {
  /** The entity's current name where it still exists and the reader may see it, else the name the entry recorded. */
  entityName: string | null;
  entityNameSource: 'current' | 'recorded' | null;
  hospitalName: string | null;
}
