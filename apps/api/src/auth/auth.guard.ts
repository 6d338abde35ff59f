import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { DomainError, forbidden, unauthorized } from '../common/errors';
import { requestContext } from '../common/request-context';
import type { Role } from '../common/roles';
import { AuditService } from '../audit/audit.service';
import { AuthService } from './auth.service';
import { IS_PUBLIC, ROLES_KEY } from '../common/decorators';
import { sessionTokenOf } from '../sessions/session-cookie';

/** Every route needs a session unless marked @Public; @Roles narrows who may call it. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    private readonly audit: AuditService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const req = ctx.switchToHttp().getRequest<Request & { principal?: unknown }>();
    const token = sessionTokenOf(req.headers.cookie);
    const principal = token ? await this.auth.authenticate(token) : null;
    if (!principal) {
      const ended = token ? await this.auth.endedReason(token) : null;
      if (ended) throw new DomainError(401, 'SESSION_ENDED', 'the session was ended (a sign-out elsewhere, or a change to the account): sign in again', undefined, { reason: ended });
      throw unauthorized('UNAUTHENTICATED', 'sign in first (no session, or the session expired)');
    }
    req.principal = principal;
    const store = requestContext.get();
    if (store) store.principal = principal;

    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (roles && !roles.includes(principal.role)) {
      await this.audit.recordDetached({
        action: 'access_denied',
        entityType: 'route',
        entityId: `${req.method} ${req.route?.path ?? req.path}`.slice(0, 64),
      });
      throw forbidden('FORBIDDEN', `role ${principal.role} may not do this`);
    }
    return true;
  }
}
