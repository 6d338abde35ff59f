import { createHmac, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { REDIS } from '../redis/redis.module';
import { SESSION_KEY } from './session-secret';

/** How long an ended session's reason is kept for the requests that come after it. */
const ENDED_MEMORY_S = 15 * 60;

interface StoredSession {
  userId: string;
  createdAt: number;
}

/** Why sessions ended before their time; the console is told only that they did. */
export type SessionEndReason =
  'logout' | 'account_changed' | 'account_deleted' | 'replaced' | 'expired' | 'account_unusable';

/**
 * What every API process hears when sessions end: all of a user's (`sessionIds`
 * null), or the ones listed.
 */
export interface SessionsEnded {
  userId: string;
  sessionIds: string[] | null;
  reason: SessionEndReason;
}

/**
 * Server-side sessions in Redis. The cookie holds a random token; Redis holds only
 * its HMAC, so a copy of Redis yields no usable session. A session ends after
 * `idleMs` without use (the key's TTL, renewed on each request), after `absoluteMs`
 * in all, or when ended here: at logout or when its account changes. Each user's
 * session ids are indexed (a sorted set by creation time) so that all of them can
 * end at once, and every ending is published so that each API process closes the
 * sockets and screen sessions that belong to them (SessionConnections).
 *
 * Keys (under the prefix): `session:<id>` (JSON, TTL = idle), `user-sessions:<userId>`
 * (sorted set of ids, TTL = absolute), `session-ended:<id>` (the reason, 15 min);
 * channel `<prefix>sessions-ended`.
 */
@Injectable()
export class SessionsService {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    /** The same on every replica (session-secret.ts). */
    @Inject(SESSION_KEY) private readonly secret: string,
  ) {}

  /** Pub/sub channels are not prefixed by ioredis' keyPrefix: the prefix is added here. */
  get channel(): string {
    return `${this.config.redis.prefix}sessions-ended`;
  }

  async create(userId: string): Promise<{ token: string; sessionId: string }> {
    const token = randomBytes(32).toString('base64url');
    const sessionId = this.idOf(token);
    const now = Date.now();
    const session: StoredSession = { userId, createdAt: now };
    const { idleMs, absoluteMs } = this.config.session;
    await this.redis
      .multi()
      .set(this.key(sessionId), JSON.stringify(session), 'PX', idleMs)
      .zadd(this.indexKey(userId), now, sessionId)
      // Ids past the absolute lifetime are gone for sure; idle ones linger until then.
      .zremrangebyscore(this.indexKey(userId), '-inf', now - absoluteMs)
      .pexpire(this.indexKey(userId), absoluteMs)
      .exec();
    return { token, sessionId };
  }

  /** The session's user, renewing its idle timeout; null if unknown or expired. */
  async touch(token: string): Promise<{ userId: string; sessionId: string } | null> {
    const sessionId = this.idOf(token);
    const raw = await this.redis.get(this.key(sessionId));
    if (!raw) return null;
    const session = JSON.parse(raw) as StoredSession;
    const age = Date.now() - session.createdAt;
    if (age >= this.config.session.absoluteMs) {
      await this.destroy(sessionId, 'expired');
      return null;
    }
    const ttl = Math.min(this.config.session.idleMs, this.config.session.absoluteMs - age);
    await this.redis.pexpire(this.key(sessionId), ttl);
    return { userId: session.userId, sessionId };
  }

  /** Whether the session still exists, without renewing it. */
  async exists(sessionId: string): Promise<boolean> {
    return (await this.redis.exists(this.key(sessionId))) === 1;
  }

  /** Ends one session, and whatever is open with it in any API process. */
  async destroy(sessionId: string, reason: SessionEndReason = 'account_unusable'): Promise<void> {
    const raw = await this.redis.get(this.key(sessionId));
    await this.redis.del(this.key(sessionId));
    if (!raw) return;
    const { userId } = JSON.parse(raw) as StoredSession;
    await this.redis.zrem(this.indexKey(userId), sessionId);
    if (reason !== 'expired') await this.redis.set(this.endedKey(sessionId), reason, 'EX', ENDED_MEMORY_S);
    await this.publish({ userId, sessionIds: [sessionId], reason });
  }

  /**
   * Why the session of this token was ended, if it was ended here (not simply expired)
   * in the last ENDED_MEMORY_S: a page's next request is then told "ended", as its live
   * connection is, whichever of the two reaches the browser first.
   */
  async endedReason(token: string): Promise<SessionEndReason | null> {
    return (await this.redis.get(this.endedKey(this.idOf(token)))) as SessionEndReason | null;
  }

  async destroyToken(token: string, reason: SessionEndReason = 'replaced'): Promise<void> {
    await this.destroy(this.idOf(token), reason);
  }

  /** Ends every session of the user, and whatever is open with them in any API process. */
  async endAllOf(userId: string, reason: SessionEndReason): Promise<void> {
    const ids = await this.redis.zrange(this.indexKey(userId), 0, -1);
    const ending = this.redis.multi();
    if (ids.length) ending.del(...ids.map((id) => this.key(id))).zrem(this.indexKey(userId), ...ids);
    for (const id of ids) ending.set(this.endedKey(id), reason, 'EX', ENDED_MEMORY_S);
    await ending.exec();
    // Published even when none was indexed: a socket may outlive its session's key.
    await this.publish({ userId, sessionIds: null, reason });
  }

  private async publish(ended: SessionsEnded): Promise<void> {
    await this.redis.publish(this.channel, JSON.stringify(ended));
  }

  private idOf(token: string): string {
    return createHmac('sha256', this.secret).update(token).digest('hex');
  }

  private key(sessionId: string): string {
    return `session:${sessionId}`;
  }

  private endedKey(sessionId: string): string {
    return `session-ended:${sessionId}`;
  }

  private indexKey(userId: string): string {
    return `user-sessions:${userId}`;
  }
}
