import { Injectable } from '@nestjs/common';
import { AuditEntry } from '../audit/audit-entry.entity';
import { AuditRepository } from '../audit/audit.repository';
import { AuditService } from '../audit/audit.service';
import { AccessService } from '../common/access.service';
import { conflict, DomainError, notFound } from '../common/errors';
import type { Principal } from '../common/request-context';
import { ER_DUP_ENTRY, ER_NO_REFERENCED_ROW, mysqlErrno } from '../common/sql';
import { Database } from '../database/database.service';
import { KiosksService } from '../kiosks/kiosks.service';
import { RulesService } from '../rules/rules.service';

type Snapshot = Record<string, unknown> & { updatedAt?: string };

/** How an undo reads and writes one kind of entity: through the service that owns it. */
interface UndoableEntities {
  snapshot(id: string): Promise<Snapshot | null>;
  restore(p: Principal, id: string, hospitalId: string, current: Snapshot | null, restored: Snapshot | null): Promise<Snapshot | null>;
}

/**
 * Undoes a staff change from its audit entry: a create is deleted, an update is
 * put back to its before-state, a delete is recreated. Only if the entity has not
 * changed since (otherwise 409 UNDO_CONFLICT): an undo never overwrites a newer edit.
 * The owning service checks and writes the entity, in this service's transaction, so
 * the change and its `undo` audit entry commit together.
 */
@Injectable()
export class UndoService {
  constructor(
    private readonly db: Database,
    private readonly auditEntries: AuditRepository,
    private readonly audit: AuditService,
    private readonly access: AccessService,
    private readonly rules: RulesService,
    private readonly kiosks: KiosksService,
  ) {}

  async undo(p: Principal, entryId: string) {
    return this.db.transaction(async () => {
      const entry = await this.auditEntries.getById(entryId);
      if (!entry || !entry.hospitalId) throw notFound('AUDIT_ENTRY_NOT_FOUND', `audit entry ${entryId} not found`);
      await this.access.assertFleetEditable(p, 'audit_entry', entryId, entry.hospitalId);
      if (!['create', 'import', 'update', 'delete'].includes(entry.action)) {
        throw conflict('UNDO_NOT_SUPPORTED', `a ${entry.action} cannot be undone`);
      }
      const entities = this.entitiesOf(entry);
      const current = await entities.snapshot(entry.entityId!);
      const expected = (entry.action === 'delete' ? null : entry.after) as Snapshot | null;
      if (!sameVersion(current, expected)) {
        throw conflict('UNDO_CONFLICT', `the ${entry.entityType} changed after this entry; undo the later change first`);
      }
      const restored = entry.action === 'create' || entry.action === 'import' ? null : (entry.before as Snapshot);
      let after: Snapshot | null;
      try {
        after = await entities.restore(p, entry.entityId!, entry.hospitalId, current, restored);
      } catch (err) {
        if (err instanceof DomainError) throw err;
        const errno = mysqlErrno(err);
        if (errno === ER_DUP_ENTRY || errno === ER_NO_REFERENCED_ROW) {
          throw conflict('UNDO_CONFLICT', `the ${entry.entityType} cannot be restored: what it refers to changed`);
        }
        throw err;
      }
      await this.audit.record({
        action: 'undo',
        entityType: entry.entityType,
        entityId: entry.entityId,
        hospitalId: entry.hospitalId,
        before: current,
        after: after ? { ...after, undoOf: entry.id } : { undoOf: entry.id },
      });
      return { undone: true, entityType: entry.entityType, entityId: entry.entityId, hospitalId: entry.hospitalId, state: after };
    });
  }

  private entitiesOf(entry: AuditEntry): UndoableEntities {
    if (entry.entityType === 'power_rule') {
      return {
        snapshot: (id) => this.rules.snapshot(id),
        restore: (_p, id, hospitalId, _current, restored) => this.rules.restore(id, hospitalId, restored),
      };
    }
    if (entry.entityType === 'kiosk') return this.kiosks;
    throw conflict('UNDO_NOT_SUPPORTED', `changes of ${entry.entityType} cannot be undone here`);
  }
}

/** The entity is as the entry left it: both absent, or the same version. */
function sameVersion(current: Snapshot | null, expected: Snapshot | null): boolean {
  if (current === null || expected === null) return current === expected;
  return current.updatedAt === expected.updatedAt;
}
