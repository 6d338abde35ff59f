import { createHmac, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { REDIS } from '../redis/redis.module';

interface StoredSession {
  userId: string;
  createdAt: number;
}

/**
 * Server-side sessions in Redis. The cookie holds a random token; Redis holds only
 * its HMAC, so a copy of Redis yields no usable session. A session ends after
 * `idleMs` without use (the key's TTL, renewed on each request), after `absoluteMs`
 * in all, or at logout.
 */
@Injectable()
export class SessionsService {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(userId: string): Promise<{ token: string; sessionId: string }> {
    const token = randomBytes(32).toString('base64url');
    const sessionId = this.idOf(token);
    const session: StoredSession = { userId, createdAt: Date.now() };
    await this.redis.set(this.key(sessionId), JSON.stringify(session), 'PX', this.config.session.idleMs);
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
      await this.redis.del(this.key(sessionId));
      return null;
    }
    const ttl = Math.min(this.config.session.idleMs, this.config.session.absoluteMs - age);
    await this.redis.pexpire(this.key(sessionId), ttl);
    return { userId: session.userId, sessionId };
  }

  async destroy(sessionId: string): Promise<void> {
    await this.redis.del(this.key(sessionId));
  }

  async destroyToken(token: string): Promise<void> {
    await this.destroy(this.idOf(token));
  }

  private idOf(token: string): string {
    return createHmac('sha256', this.config.session.secret).update(token).digest('hex');
  }

  private key(sessionId: string): string {
    return `session:${sessionId}`;
  }
}
