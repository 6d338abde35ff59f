import { Inject, Injectable } from '@nestjs/common';
import { forbidden, notFound } from './errors';
import { canChangeKioskNetwork, canEditFleet, canRead, KIOSK_DESCRIPTION_FIELDS } from './access';
import type { Principal } from './request-context';

/**
 * What AccessService needs of the audit log: a refusal written outside the request's
 * transaction, so that a rolled-back request still leaves its trace. The audit module
 * provides it under ACCESS_REFUSAL_LOG; common/ knows no domain.
 */
export interface AccessRefusalLog {
  recordDetached(refusal: {
    action: 'access_denied';
    entityType: string;
    entityId: string | null;
    hospitalId: string | null;
    after?: Record<string, unknown>;
  }): Promise<void>;
}
export const ACCESS_REFUSAL_LOG = Symbol('ACCESS_REFUSAL_LOG');

/**
 * Enforces hospital scoping for one entity. Something of another hospital is
 * answered exactly like something that does not exist (404), and the refusal is
 * audited outside the request's transaction so that it stays recorded.
 */
@Injectable()
export class AccessService {
  constructor(@Inject(ACCESS_REFUSAL_LOG) private readonly refusals: AccessRefusalLog) {}

  async assertReadable(p: Principal, entityType: string, entityId: string, hospitalId: string): Promise<void> {
    if (canRead(p, hospitalId)) return;
    await this.denied(entityType, entityId, hospitalId);
    throw notFoundError(entityType, entityId);
  }

  /** Kiosks and rules: staff of the hospital and up. */
  async assertFleetEditable(p: Principal, entityType: string, entityId: string, hospitalId: string): Promise<void> {
    await this.assertReadable(p, entityType, entityId, hospitalId);
    if (canEditFleet(p, hospitalId)) return;
    await this.denied(entityType, entityId, hospitalId);
    throw forbidden('FORBIDDEN', `role ${p.role} may not change ${entityType}s`);
  }

  /**
   * Staff change only what describes a kiosk; `fields` are those the request would
   * change. Refused with 403 KIOSK_FIELD_FORBIDDEN, audited with the fields asked for.
   */
  async assertKioskFieldsEditable(
    p: Principal,
    kioskId: string | null,
    hospitalId: string,
    fields: string[],
  ): Promise<void> {
    if (canChangeKioskNetwork(p)) return;
    const forbiddenFields = fields.filter((f) => !KIOSK_DESCRIPTION_FIELDS.includes(f));
    if (!forbiddenFields.length) return;
    await this.denied('kiosk', kioskId, hospitalId, { refusedFields: forbiddenFields });
    throw forbidden(
      'KIOSK_FIELD_FORBIDDEN',
      `role ${p.role} may change only ${KIOSK_DESCRIPTION_FIELDS.join(', ')} of a kiosk; ${forbiddenFields.join(', ')} ${forbiddenFields.length > 1 ? 'are' : 'is'} set by ops`,
      forbiddenFields[0],
    );
  }

  /** Removing a kiosk stops its schedule and dispatch: ops and admins only. */
  async assertKioskRemovable(p: Principal, kioskId: string, hospitalId: string): Promise<void> {
    if (canChangeKioskNetwork(p)) return;
    await this.denied('kiosk', kioskId, hospitalId, { refused: 'delete' });
    throw forbidden('KIOSK_DELETE_FORBIDDEN', `role ${p.role} may not remove kiosks; ask ops`);
  }

  async denied(
    entityType: string,
    entityId: string | null,
    hospitalId: string | null,
    asked?: Record<string, unknown>,
  ): Promise<void> {
    await this.refusals.recordDetached({
      action: 'access_denied',
      entityType,
      entityId,
      hospitalId,
      ...(asked && { after: asked }),
    });
  }
}

export function notFoundError(entityType: string, id: string) {
  return notFound(`${entityType.toUpperCase()}_NOT_FOUND`, `${entityType} ${id} not found`);
}
