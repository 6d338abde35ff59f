import { Injectable } from '@nestjs/common';
import { AuditEntry } from '../audit/audit-entry.entity';
import { AuditRepository } from '../audit/audit.repository';
import { AuditService } from '../audit/audit.service';
import { AccessService } from '../common/access.service';
import { conflict, DomainError, notFound } from '../common/errors';
import type { Principal } from '../common/request-context';
import { ER_DUP_ENTRY, ER_NO_REFERENCED_ROW, mysqlErrno } from '../common/sql';
import { Database } from '../database/database.service';
import { Kiosk } from '../kiosks/kiosk.entity';
import { updateKioskBody } from '../kiosks/kiosks.dto';
import { KiosksRepository } from '../kiosks/kiosks.repository';
import { PowerRuleRecord } from '../rules/power-rule.entity';
import { assertValidRule, publicRule } from '../schedule/rule-mapping';
import { RulesRepository } from '../rules/rules.repository';
import { ScheduleChanges } from '../schedule/schedule-changes';

type Snapshot = Record<string, unknown> & { updatedAt?: string };

/**
 * Undoes a staff change from its audit entry: a create is deleted, an update is
 * put back to its before-state, a delete is recreated. Only if the entity has not
 * changed since (otherwise 409 UNDO_CONFLICT): an undo never overwrites a newer edit.
 */
@Injectable()
export class UndoService {
  constructor(
    private readonly db: Database,
    private readonly auditEntries: AuditRepository,
    private readonly audit: AuditService,
    private readonly access: AccessService,
    private readonly rules: RulesRepository,
    private readonly kiosks: KiosksRepository,
    private readonly scheduleChanges: ScheduleChanges,
  ) {}

  async undo(p: Principal, entryId: string) {
    const result = await this.db.transaction(async () => {
      const entry = await this.auditEntries.getById(entryId);
      if (!entry || !entry.hospitalId) throw notFound('AUDIT_ENTRY_NOT_FOUND', `audit entry ${entryId} not found`);
      await this.access.assertFleetEditable(p, 'audit_entry', entryId, entry.hospitalId);
      if (!['create', 'import', 'update', 'delete'].includes(entry.action)) {
        throw conflict('UNDO_NOT_SUPPORTED', `a ${entry.action} cannot be undone`);
      }
      const store = this.storeFor(entry);
      const current = await store.get(entry.entityId!);
      const expected = (entry.action === 'delete' ? null : entry.after) as Snapshot | null;
      if (!sameVersion(current, expected)) {
        throw conflict('UNDO_CONFLICT', `the ${entry.entityType} changed after this entry; undo the later change first`);
      }
      const restored = entry.action === 'create' || entry.action === 'import' ? null : (entry.before as Snapshot);
      if (entry.entityType === 'kiosk') await this.assertKioskUndoable(p, entry, current, restored);
      try {
        if (restored === null) await store.remove(entry.entityId!);
        else await store.put(restored);
      } catch (err) {
        if (err instanceof DomainError) throw err;
        const errno = mysqlErrno(err);
        if (errno === ER_DUP_ENTRY || errno === ER_NO_REFERENCED_ROW) {
          throw conflict('UNDO_CONFLICT', `the ${entry.entityType} cannot be restored: what it refers to changed`);
        }
        throw err;
      }
      const after = restored === null ? null : await store.get(entry.entityId!);
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
    await this.scheduleChanges.hospitalChanged(result.hospitalId);
    return result;
  }

  /**
   * An undo is a change like any other: staff may put back only a kiosk's
   * description, and a restored kiosk must pass today's checks (an old snapshot may
   * hold what is no longer accepted, such as an inline shutdown method).
   */
  private async assertKioskUndoable(
    p: Principal,
    entry: AuditEntry,
    current: Snapshot | null,
    restored: Snapshot | null,
  ): Promise<void> {
    const id = entry.entityId!;
    if (restored === null) return this.access.assertKioskRemovable(p, id, entry.hospitalId!);
    const changed = Object.keys(kioskFieldsOf(restored)).filter(
      (f) => current === null || JSON.stringify(current[f] ?? null) !== JSON.stringify(restored[f] ?? null),
    );
    await this.access.assertKioskFieldsEditable(p, id, entry.hospitalId!, changed);
    const check = updateKioskBody.safeParse(kioskFieldsOf(restored));
    if (!check.success) {
      const issue = check.error.issues[0]!;
      throw conflict(
        'UNDO_CONFLICT',
        `the kiosk cannot be put back: its earlier ${issue.path.join('.')} is no longer accepted (${issue.message})`,
      );
    }
  }

  private storeFor(entry: AuditEntry) {
    if (entry.entityType === 'power_rule') {
      return {
        get: async (id: string) => {
          const r = await this.rules.getById(id);
          return r ? (json(publicRule(r)) as Snapshot) : null;
        },
        remove: (id: string) => this.rules.delete(id),
        put: async (s: Snapshot) => {
          const rule = ruleFromSnapshot(s);
          assertValidRule(rule);
          await this.rules.save(rule);
        },
      };
    }
    if (entry.entityType === 'kiosk') {
      return {
        get: async (id: string) => {
          const k = await this.kiosks.getById(id);
          return k ? (json(k) as Snapshot) : null;
        },
        remove: (id: string) => this.kiosks.delete(id),
        put: async (s: Snapshot) => {
          await this.kiosks.save(Object.assign(new Kiosk(), s, { createdAt: new Date(String(s.createdAt)) }));
        },
      };
    }
    throw conflict('UNDO_NOT_SUPPORTED', `changes of ${entry.entityType} cannot be undone here`);
  }
}

/** The fields of a kiosk snapshot that people set (not ids and timestamps). */
function kioskFieldsOf(s: Snapshot): Record<string, unknown> {
  const fields = Object.keys(updateKioskBody.shape) as string[];
  return Object.fromEntries(fields.filter((f) => f in s).map((f) => [f, s[f]]));
}

function json(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v));
}

/** The entity is as the entry left it: both absent, or the same version. */
function sameVersion(current: Snapshot | null, expected: Snapshot | null): boolean {
  if (current === null || expected === null) return current === expected;
  return current.updatedAt === expected.updatedAt;
}

function ruleFromSnapshot(s: Snapshot): PowerRuleRecord {
  const scope = s.scope as { kind: 'hospital' | 'site' | 'kiosks'; siteId?: string; kioskIds?: string[] };
  return Object.assign(new PowerRuleRecord(), {
    id: s.id,
    hospitalId: s.hospitalId,
    name: s.name,
    scopeKind: scope.kind,
    siteId: scope.siteId ?? null,
    kioskIds: scope.kioskIds ?? null,
    layer: s.layer,
    days: s.days ?? null,
    fromDate: s.from ?? null,
    untilDate: s.until ?? null,
    windows: s.windows,
    priority: s.priority,
    createdAt: new Date(String(s.createdAt)),
  });
}
