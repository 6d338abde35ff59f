import { Injectable } from '@nestjs/common';
import { RateLimitedError, unauthorized } from '../common/errors';
import type { Principal } from '../common/request-context';
import { visibleText } from '../common/text';
import { AuditService } from '../audit/audit.service';
import { hashPassword, verifyPassword } from '../users/passwords';
import { normaliseUsername } from '../users/usernames';
import { UsersRepository } from '../users/users.repository';
import { LoginRateLimiter } from './login-rate-limiter';
import { SessionsService } from '../sessions/sessions.service';

/** Compared against when the username is unknown, so both cases take the same time. */
const dummyHash = hashPassword('wakeward-timing-equaliser');

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly sessions: SessionsService,
    private readonly rateLimiter: LoginRateLimiter,
    private readonly audit: AuditService,
  ) {}

  /** Checks the password and opens a new session; any session the caller already had ends. */
  async login(givenUsername: string, password: string, ip: string, previousToken?: string) {
    // Every spelling the account has is one limiter key and one lookup.
    const username = normaliseUsername(givenUsername);
    const refusal = await this.rateLimiter.begin(username, ip);
    if (refusal) {
      await this.audit.recordDetached({
        action: 'login_throttled',
        entityType: 'session',
        actorName: visibleText(givenUsername.slice(0, 64)),
        after: { reason: 'too many failed logins', locked: refusal.locked, retryAfterS: refusal.retryAfterS },
      });
      throw new RateLimitedError('too many failed logins; try again later', refusal.retryAfterS);
    }
    const user = await this.users.getByUsername(username);
    const ok = user ? await verifyPassword(user.passwordHash, password) : (await verifyPassword(await dummyHash, password), false);
    if (!user || !ok || user.disabled) {
      await this.audit.recordDetached({
        action: 'login_failed',
        entityType: 'session',
        entityId: user?.id ?? null,
        actorName: visibleText(givenUsername.slice(0, 64)),
        after: { reason: !user ? 'unknown user' : user.disabled ? 'account disabled' : 'wrong password' },
      });
      throw unauthorized('INVALID_CREDENTIALS', 'username or password is wrong');
    }
    if (previousToken) await this.sessions.destroyToken(previousToken);
    await this.rateLimiter.succeeded(username, ip);
    const { token, sessionId } = await this.sessions.create(user.id);
    const now = new Date();
    await this.users.markLoggedIn(user.id, now);
    await this.audit.recordDetached({
      action: 'login',
      entityType: 'session',
      entityId: user.id,
      actorName: user.username,
    });
    return { token, principal: await this.principalOf(user.id, sessionId) };
  }

  /** Ends every session of the user (all browsers), not only the one asking. */
  async logout(principal: Principal): Promise<void> {
    await this.sessions.endAllOf(principal.userId, 'logout');
    await this.audit.recordDetached({ action: 'logout', entityType: 'session', entityId: principal.userId });
  }

  /** Why the token's session was ended (a logout elsewhere, an account change), or null if it was not. */
  endedReason(token: string) {
    return this.sessions.endedReason(token);
  }

  /** The principal behind a session cookie, or null if the session is gone. */
  async authenticate(token: string): Promise<Principal | null> {
    const session = await this.sessions.touch(token);
    if (!session) return null;
    const principal = await this.principalOf(session.userId, session.sessionId);
    if (!principal) await this.sessions.destroy(session.sessionId);
    return principal;
  }

  private async principalOf(userId: string, sessionId: string): Promise<Principal | null> {
    const user = await this.users.getById(userId);
    if (!user || user.disabled) return null;
    const global = user.role === 'admin' || user.role === 'ops';
    let hospitalIds: string[] | 'all' = 'all';
    if (!global) {
      const assigned = await this.users.hospitalIdsOf(user.id);
      // A viewer without assignments reads everything; staff without assignments see nothing.
      hospitalIds = user.role === 'viewer' && assigned.length === 0 ? 'all' : assigned;
    }
    return { userId: user.id, username: user.username, role: user.role, hospitalIds, sessionId };
  }
}
