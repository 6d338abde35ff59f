import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { forbidden, notFound } from './errors';
import { canEditFleet, canRead } from './access';
import type { Principal } from './request-context';

/**
 * Enforces hospital scoping for one entity. Something of another hospital is
 * answered exactly like something that does not exist (404), and the refusal is
 * audited outside the request's transaction so that it stays recorded.
 */
@Injectable()
export class AccessService {
  constructor(private readonly audit: AuditService) {}

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

  async denied(entityType: string, entityId: string | null, hospitalId: string | null): Promise<void> {
    await this.audit.recordDetached({ action: 'access_denied', entityType, entityId, hospitalId });
  }
}

export function notFoundError(entityType: string, id: string) {
  return notFound(`${entityType.toUpperCase()}_NOT_FOUND`, `${entityType} ${id} not found`);
}
