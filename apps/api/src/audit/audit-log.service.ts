import { Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import { canSeeWebhookUrls, HIDDEN_WEBHOOK_URL, scopeHospitalFilter } from '../common/access';
import { conflict } from '../common/errors';
import type { Principal } from '../common/request-context';
import type { Page } from '../common/validation';
import { UserLocksRepository } from '../redis/user-locks.repository';
import type { AuditEntry } from './audit-entry.entity';
import { auditCsvRows } from './audit-csv';
import { secretFieldOf } from './audit-secrets';
import { AuditFilter, AuditRepository } from './audit.repository';
import type { AuditQuery, ReadableAuditEntry } from './audit.dto';
import { EntityNamesService, isNamedType, NamedEntityType } from './entity-names.service';

/** The most rows one CSV export holds: beyond it, narrow the filters. */
export const AUDIT_CSV_MAX_ROWS = 50_000;
/** An export's lock outlives it only if its process died (released at its end or when the client leaves). */
const EXPORT_LOCK_TTL_MS = 5 * 60_000;
const EXPORT_LOCK = 'audit-export';

/** An entry as the console and the export show it: with the names of what it is about. */
/** Entries about a part of a named entity are named after that entity (a site's thresholds after the site). */
const NAMED_AFTER: Record<string, NamedEntityType> = {
  site_thresholds: 'site',
  agent_token: 'agent',
  session: 'user',
  remote_target: 'kiosk',
};
const namedType = (entityType: string): NamedEntityType | null => (isNamedType(entityType) ? entityType : (NAMED_AFTER[entityType] ?? null));

function recordedName(e: AuditEntry): string | null {
  for (const state of [e.after, e.before]) {
    const name = state?.name ?? state?.username ?? state?.code;
    if (typeof name === 'string' && name) return name;
  }
  return null;
}

/** A site's thresholds name their webhook, a channel its target: others than ops see only whether one was set. */
function hideSecrets(e: AuditEntry, state: Record<string, unknown> | null): Record<string, unknown> | null {
  const field = secretFieldOf(e.entityType);
  if (!state || typeof state[field] !== 'string') return state;
  return { ...state, [field]: HIDDEN_WEBHOOK_URL };
}

/** Reads the audit log for people: scoped to the reader's hospitals, with names instead of ids, as pages or as CSV. */
@Injectable()
export class AuditLogService {
  constructor(
    private readonly audit: AuditRepository,
    private readonly names: EntityNamesService,
    private readonly locks: UserLocksRepository,
  ) {}

  async list(p: Principal, q: AuditQuery): Promise<Page<ReadableAuditEntry>> {
    const page = await this.audit.search({ ...(await this.filter(p, q)), page: q.page, pageSize: q.pageSize });
    return { ...page, items: await this.readable(p, page.items) };
  }

  /**
   * The CSV export with its sizes, one at a time per user (409 AUDIT_EXPORT_IN_PROGRESS):
   * the lock is released when the stream closes, at its end or when the client leaves
   * (the HTTP layer destroys the stream then).
   */
  async export(p: Principal, q: AuditQuery, timeZone: string): Promise<{ total: number; exported: number; csv: Readable }> {
    const lock = await this.locks.take(EXPORT_LOCK, p.userId, EXPORT_LOCK_TTL_MS);
    if (!lock) throw conflict('AUDIT_EXPORT_IN_PROGRESS', 'your previous audit export is still running; try again when it has finished');
    const release = () => this.locks.release(EXPORT_LOCK, p.userId, lock);
    try {
      const size = await this.exportSize(p, q);
      const csv = Readable.from(this.csv(p, q, timeZone));
      // Nothing awaits this: a failed release leaves the lock to expire.
      csv.once('close', () => void release().catch(() => undefined));
      return { ...size, csv };
    } catch (error) {
      await release();
      throw error;
    }
  }

  /** How many entries match, and how many an export will hold. */
  async exportSize(p: Principal, q: AuditQuery): Promise<{ total: number; exported: number }> {
    const { total } = await this.audit.search({ ...(await this.filter(p, q)), page: 1, pageSize: 1 });
    return { total, exported: Math.min(total, AUDIT_CSV_MAX_ROWS) };
  }

  /** The filtered entries as CSV text, a batch at a time, newest first; `timeZone` for the local time column. */
  async *csv(p: Principal, q: AuditQuery, timeZone: string): AsyncGenerator<string> {
    let first = true;
    for await (const batch of this.audit.inBatches(await this.filter(p, q), AUDIT_CSV_MAX_ROWS)) {
      yield auditCsvRows(await this.readable(p, batch), timeZone, first);
      first = false;
    }
    if (first) yield auditCsvRows([], timeZone, true);
  }

  private async filter(p: Principal, q: AuditQuery): Promise<AuditFilter> {
    const hospitalIds = scopeHospitalFilter(p, q.hospitalId);
    const type = q.entityType ? namedType(q.entityType) : null;
    return {
      hospitalIds,
      includeUnscoped: p.hospitalIds === 'all' && p.role !== 'viewer',
      entityType: q.entityType,
      entityId: q.entityId,
      actorId: q.actorId,
      action: q.action,
      actor: q.actor,
      text: q.q,
      textSeesSecrets: canSeeWebhookUrls(p),
      from: q.from,
      to: q.to,
      entity: q.entity ? { ids: type ? await this.names.idsNamedLike(type, q.entity, hospitalIds) : [], text: q.entity } : undefined,
    };
  }

  private async readable(p: Principal, entries: AuditEntry[]): Promise<ReadableAuditEntry[]> {
    const visible = p.hospitalIds;
    const refs: Array<{ type: string; id: string }> = [];
    for (const e of entries) {
      const type = namedType(e.entityType);
      if (type && e.entityId) refs.push({ type, id: e.entityId });
      if (e.hospitalId) refs.push({ type: 'hospital', id: e.hospitalId });
    }
    const current = await this.names.namesOf(refs, visible);
    const showSecrets = canSeeWebhookUrls(p);
    return entries.map((e) => {
      const type = namedType(e.entityType);
      const now = type && e.entityId ? current.get(`${type}:${e.entityId}`) : undefined;
      const then = now ? null : recordedName(e);
      return {
        ...e,
        before: showSecrets ? e.before : hideSecrets(e, e.before),
        after: showSecrets ? e.after : hideSecrets(e, e.after),
        entityName: now ?? then,
        entityNameSource: now ? 'current' : then ? 'recorded' : null,
        hospitalName: e.hospitalId ? (current.get(`hospital:${e.hospitalId}`) ?? null) : null,
      };
    });
  }
}
