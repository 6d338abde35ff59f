import Redis from 'ioredis';
import type { AppConfig } from '../config/config';
import { logRedisOutages } from './outage-log';

/** BullMQ needs connections without ioredis' keyPrefix (it has its own prefix) and without retry limits. */
export function bullConnection(config: AppConfig): Redis {
  return logRedisOutages(new Redis(config.redis.url, { maxRetriesPerRequest: null, enableReadyCheck: false }), 'queues');
}

/** Every queue of the process lives under the configured Redis prefix. */
export const bullPrefix = (config: AppConfig) => `${config.redis.prefix}bull`;
