import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { REDIS } from '../redis/redis.module';

/** A slot is held for this long and renewed while its session lives: a crashed API frees its slots by itself. */
export const SLOT_LEASE_MS = 60_000;

// KEYS[1] = site set; ARGV = now, lease expiry, limit, session id. 1 if taken, 0 if full.
const TAKE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ${SLOT_LEASE_MS * 2})
return 1`;

/**
 * Concurrent screen sessions per site, shared by every API replica: a sorted set
 * per site of session ids scored by lease expiry.
 */
@Injectable()
export class ViewerSlotsRepository {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async take(siteId: string, sessionId: string, limit: number): Promise<boolean> {
    const now = Date.now();
    return (await this.redis.eval(TAKE, 1, key(siteId), now, now + SLOT_LEASE_MS, limit, sessionId)) === 1;
  }

  async renew(siteId: string, sessionId: string): Promise<void> {
    await this.redis.zadd(key(siteId), 'XX', Date.now() + SLOT_LEASE_MS, sessionId);
  }

  async release(siteId: string, sessionId: string): Promise<void> {
    await this.redis.zrem(key(siteId), sessionId);
  }

  async inUse(siteId: string): Promise<number> {
    return this.redis.zcount(key(siteId), Date.now(), '+inf');
  }
}

const key = (siteId: string) => `remote:viewers:${siteId}`;
