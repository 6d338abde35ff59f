import type Redis from 'ioredis';
import type { AppConfig } from '../config/config';
import { connectRedis } from './connections';

/** BullMQ needs connections without ioredis' keyPrefix (it has its own prefix) and without retry limits. */
export function bullConnection(config: AppConfig): Redis {
  return connectRedis(config.redis, { maxRetriesPerRequest: null, enableReadyCheck: false }, 'queues');
}

/** Every queue of the process lives under the configured Redis prefix (a hash tag with a Cluster: one slot per deployment). */
export const bullPrefix = (config: AppConfig) => `${config.redis.prefix}bull`;
