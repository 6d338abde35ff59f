import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AuditService } from '../audit/audit.service';
import { sessionTokenOf } from '../sessions/session-cookie';
import { compileTrust, ProxyTrust } from '../common/client-address';
import { forbidden } from '../common/errors';
import { Principal, requestContext } from '../common/request-context';
import { APP_CONFIG, AppConfig } from '../config/config';
import { isStateChanging, refusedOrigin } from './request-origin';

/** Agents authenticate with a bearer token, never a cookie: another site cannot borrow it. */
const AGENT_PROTOCOL = /^\/api\/agent\/v1(\/|$)/;

/**
 * Refuses what another site makes a signed-in browser send (request-origin.ts has
 * the rule) and audits each refusal as an `access_denied` of the route.
 */
@Injectable()
export class OriginPolicy {
  private readonly trust: ProxyTrust;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {
    this.trust = compileTrust(config.trustProxy);
  }

  /** Why the request is refused (audited, naming the user if known), or null when it may go on. */
  async refusal(
    req: IncomingMessage,
    route: string,
    requireProof: boolean,
    principal?: Principal,
  ): Promise<string | null> {
    const reason = refusedOrigin(req, this.config.http.publicOrigins, requireProof, this.trust);
    if (!reason) return null;
    const record = () =>
      this.audit.recordDetached({
        action: 'access_denied',
        entityType: 'route',
        entityId: route.slice(0, 64),
        actorName: 'anonymous',
        after: { code: 'CSRF_ORIGIN_REFUSED', reason },
      });
    // WebSocket upgrades arrive outside any request context: give the entry its address.
    if (requestContext.get()) await record();
    else await requestContext.run({ requestId: randomUUID(), ip: req.socket.remoteAddress ?? null, principal }, record);
    return reason;
  }
}

/**
 * Every state-changing HTTP request but the agent protocol: with the session cookie
 * it must prove the console's origin; without it (a login, a script) it must not
 * name another. Runs after AuthGuard (AppModule imports EdgeModule after AuthModule), so the
 * audit entry names the user whose browser was used.
 */
@Injectable()
export class OriginGuard implements CanActivate {
  constructor(private readonly origins: OriginPolicy) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const req = ctx.switchToHttp().getRequest<Request>();
    if (!isStateChanging(req.method) || AGENT_PROTOCOL.test(req.path)) return true;
    const withCookie = Boolean(sessionTokenOf(req.headers.cookie));
    const reason = await this.origins.refusal(req, `${req.method} ${req.route?.path ?? req.path}`, withCookie);
    if (reason) {
      throw forbidden(
        'CSRF_ORIGIN_REFUSED',
        `refused: ${reason}; changes come only from the console's own pages (see PUBLIC_ORIGIN)`,
      );
    }
    return true;
  }
}
