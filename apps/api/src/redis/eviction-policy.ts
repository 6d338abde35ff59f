import type { Logger } from '@nestjs/common';
import Redis, { ReplyError } from 'ioredis';
import { dataServers } from './connections';

export class RedisPolicyError extends Error {}

const HOW_TO_SET = 'set "maxmemory-policy noeviction" in redis.conf (or "redis-cli CONFIG SET maxmemory-policy noeviction")';

/**
 * BullMQ keeps scheduled wakes as Redis keys: a Redis that evicts keys under memory
 * pressure drops them without a word. A server that says another policy stops the
 * worker. Managed services (ElastiCache, Memorystore) refuse CONFIG: the policy
 * cannot be read, so the worker starts and says what to check by hand.
 */
export async function checkNoEviction(redis: Redis, logger: Pick<Logger, 'warn'>): Promise<void> {
  for (const server of await dataServers(redis)) {
    let policy: string;
    try {
      [, policy] = (await server.config('GET', 'maxmemory-policy')) as [string, string];
    } catch (err) {
      if (!(err instanceof ReplyError)) throw err;
      logger.warn(
        `Redis refused CONFIG GET (${(err as Error).message}), as managed services do: the worker cannot check maxmemory-policy. ` +
          'Check by hand that it is "noeviction" (ElastiCache: the parameter group; Memorystore: the instance\'s configuration; ' +
          `otherwise ${HOW_TO_SET}): with any other policy Redis may evict queued jobs and scheduled wakes silently vanish.`,
      );
      continue;
    }
    if (policy !== 'noeviction') {
      throw new RedisPolicyError(
        `Redis maxmemory-policy is "${policy}": BullMQ needs "noeviction" or scheduled wakes may silently vanish; ${HOW_TO_SET}.`,
      );
    }
  }
}
