import type Redis from 'ioredis';

export class RedisPolicyError extends Error {}

/** BullMQ keeps scheduled wakes as Redis keys: a Redis that evicts keys under memory pressure drops them without a word. */
export async function assertNoEviction(redis: Redis): Promise<void> {
  const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as [string, string];
  if (policy !== 'noeviction') {
    throw new RedisPolicyError(
      `Redis maxmemory-policy is "${policy}": BullMQ needs "noeviction" or scheduled wakes may silently vanish. ` +
        `Run "redis-cli CONFIG SET maxmemory-policy noeviction" and set "maxmemory-policy noeviction" in redis.conf.`,
    );
  }
}
