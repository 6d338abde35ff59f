import { Injectable } from '@nestjs/common';
import { requestContext } from '../common/request-context';
import { AuditRepository } from './audit.repository';

export type AuditAction =
  | 'create'
  | 'update'
  | 'delete'
  | 'import'
  | 'undo'
  | 'login'
  | 'login_failed'
  /** Refused with 429 before the password was checked. */
  | 'login_throttled'
  | 'logout'
  | 'access_denied';

export interface AuditEvent {
  action: AuditAction;
  entityType: string;
  entityId?: string | null;
  hospitalId?: string | null;
  before?: unknown;
  after?: unknown;
  /** For events without a signed-in user (a failed login). */
  actorName?: string;
}

/** Writes audit entries; the actor, request id and address come from the request context. */
@Injectable()
export class AuditService {
  constructor(private readonly audit: AuditRepository) {}

  /** Part of the current transaction. */
  async record(event: AuditEvent): Promise<void> {
    await this.audit.insert(this.toEntry(event));
  }

  /** Kept whatever happens to the request (refused access, failed login). */
  async recordDetached(event: AuditEvent): Promise<void> {
    await this.audit.insertDetached(this.toEntry(event));
  }

  private toEntry(e: AuditEvent) {
    const ctx = requestContext.get();
    return {
      at: new Date(),
      actorId: ctx?.principal?.userId ?? null,
      actorName: ctx?.principal?.username ?? e.actorName ?? 'system',
      action: e.action,
      entityType: e.entityType,
      entityId: e.entityId ?? null,
      hospitalId: e.hospitalId ?? null,
      before: e.before === undefined ? null : toJson(e.before),
      after: e.after === undefined ? null : toJson(e.after),
      requestId: ctx?.requestId ?? null,
      ip: ctx?.ip ?? null,
    };
  }
}

/** Entities become plain JSON (dates as ISO strings) so before/after compare cleanly. */
function toJson(value: unknown): Record<string, unknown> | null {
  return value === null ? null : JSON.parse(JSON.stringify(value));
}
