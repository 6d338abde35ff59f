import { createHmac, randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import { APP_CONFIG, ConfigError, type AppConfig } from '../config/config';
import { REDIS } from '../redis/redis.module';

/** The key that turns session tokens into the ids stored in Redis (SessionsService). */
export const SESSION_KEY = Symbol('SESSION_KEY');

/** Under the configured prefix: the shared secret (outside production) and every secret's fingerprint. */
export const SHARED_SECRET_KEY = 'session-secret:shared';
export const FINGERPRINT_KEY = 'session-secret:fingerprint';

/**
 * Every API replica must hash tokens with the same key, or a session made on one is
 * unknown on the next request that the balancer sends elsewhere.
 *
 * - SESSION_SECRET set (always in production): used as given, and checked against the
 *   fingerprint the first process stored; a process whose secret differs refuses to
 *   start rather than sign users out at random.
 * - Outside production without it: the first process draws one and keeps it in Redis
 *   (SET NX), every later one reads it (GET), so no one has to set anything.
 *
 * Resolved before the app serves: a Nest async provider.
 */
export async function resolveSessionKey(redis: Redis, config: AppConfig): Promise<string> {
  let secret = config.session.secret;
  if (secret === null) {
    await redis.set(SHARED_SECRET_KEY, randomBytes(32).toString('hex'), 'NX');
    secret = await redis.get(SHARED_SECRET_KEY);
    if (!secret) throw new Error(`the shared session secret vanished from Redis (${config.redis.prefix}${SHARED_SECRET_KEY}) while being read`);
  }
  const mine = fingerprintOf(secret);
  await redis.set(FINGERPRINT_KEY, mine, 'NX');
  const theirs = await redis.get(FINGERPRINT_KEY);
  if (theirs && theirs !== mine) {
    throw new ConfigError([
      `SESSION_SECRET: differs from the other replicas' (fingerprint ${mine} here, ${theirs} in Redis): ` +
        'set the same SESSION_SECRET on every API replica and worker. After changing it on purpose on all of them, ' +
        `delete the Redis key ${config.redis.prefix}${FINGERPRINT_KEY} once (every session ends anyway).`,
    ]);
  }
  return secret;
}

/**
 * A Redis that restarts empty (no persistence) forgets the shared secret and the
 * fingerprint while the running processes still use theirs: each puts its own back
 * (SET NX) whenever its connection is ready again, so that a process started later
 * takes the same secret instead of drawing a new one, and says so if another got
 * there first with a different one.
 */
@Injectable()
export class SessionSecretKeeper implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('sessions');
  private readonly reassert = () => void this.putBack().catch((err) => this.logger.warn(`could not put the session secret's fingerprint back in Redis: ${(err as Error).message}`));

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(SESSION_KEY) private readonly secret: string,
  ) {}

  onModuleInit(): void {
    this.redis.on('ready', this.reassert);
  }

  onModuleDestroy(): void {
    this.redis.off('ready', this.reassert);
  }

  async putBack(): Promise<void> {
    if (this.config.session.secret === null) await this.redis.set(SHARED_SECRET_KEY, this.secret, 'NX');
    const mine = fingerprintOf(this.secret);
    await this.redis.set(FINGERPRINT_KEY, mine, 'NX');
    const theirs = await this.redis.get(FINGERPRINT_KEY);
    if (theirs && theirs !== mine) {
      this.logger.error(`SESSION_SECRET differs from the other replicas' (fingerprint ${mine} here, ${theirs} in Redis): set the same SESSION_SECRET everywhere`);
    }
  }
}

/** Tells secrets apart without revealing them: an HMAC of a fixed label, shortened. */
export function fingerprintOf(secret: string): string {
  return createHmac('sha256', secret).update('wakeward session secret fingerprint v1').digest('hex').slice(0, 16);
}
