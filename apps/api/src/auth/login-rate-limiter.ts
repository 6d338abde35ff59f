import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { RateLimitedError } from '../common/errors';
import { REDIS } from '../redis/redis.module';

/**
 * Fixed-window limit on login attempts per (username, address) and per address, in
 * Redis so that every API replica counts together.
 */
@Injectable()
export class LoginRateLimiter {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async check(username: string, ip: string): Promise<void> {
    const { attempts, windowS } = this.config.loginRateLimit;
    const keys: [string, number][] = [
      [`login-attempts:${ip}:${username.toLowerCase()}`, attempts],
      [`login-attempts:${ip}`, attempts * 5],
    ];
    for (const [key, limit] of keys) {
      const [[, count], [, ttl]] = (await this.redis.multi().incr(key).ttl(key).exec()) as [
        [null, number],
        [null, number],
      ];
      if (ttl < 0) await this.redis.expire(key, windowS);
      if (count > limit) {
        throw new RateLimitedError('too many login attempts; try again later', ttl > 0 ? ttl : windowS);
      }
    }
  }

  async reset(username: string, ip: string): Promise<void> {
    await this.redis.del(`login-attempts:${ip}:${username.toLowerCase()}`);
  }
}
