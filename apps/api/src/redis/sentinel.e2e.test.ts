import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wakeThroughQueue } from '../testing/queued-wake';
import { startSentinel, type RedisProcesses } from '../testing/redis-topologies';
import { startTestApi, type TestApi } from '../testing/test-app';

/**
 * The API and its worker on a Redis found through Sentinel: REDIS_URL names a port
 * where nothing listens (it gives only password, db and TLS), so every connection
 * (keys, subscribers, BullMQ) must have asked the Sentinel for the master.
 */
describe('Redis through Sentinel', () => {
  let redis: RedisProcesses & { masterPort: number; sentinelPort: number };
  let api: TestApi;
  let master: Redis;

  beforeAll(async () => {
    redis = await startSentinel('wk-master');
    master = new Redis(redis.masterPort, '127.0.0.1');
    api = await startTestApi({
      ROLE: 'all',
      DISPATCH_LEAD_S: '600',
      REDIS_URL: 'redis://127.0.0.1:1/0',
      REDIS_SENTINELS: `127.0.0.1:${redis.sentinelPort}`,
      REDIS_SENTINEL_NAME: 'wk-master',
    });
  }, 60_000);

  afterAll(async () => {
    await api?.close();
    master?.disconnect();
    await redis?.stop();
  });

  it('logs in, queues and runs the planning and the wake through BullMQ, and the agent polls the wake; the keys are on the master', async () => {
    const { command } = await wakeThroughQueue(api);
    expect(command.type).toBe('wake');

    const prefix = api.config.redis.prefix;
    const keys = await master.keys(`${prefix}*`);
    expect(keys.filter((k) => k.startsWith(`${prefix}session:`))).toHaveLength(1);
    expect(keys.some((k) => k.startsWith(`${prefix}bull:dispatch:`))).toBe(true);
    expect(keys.some((k) => k.startsWith(`${prefix}agent-commands:`))).toBe(true);
    // The completed planning job is the worker's, run on the master's queue.
    const completed = await master.zrange(`${prefix}bull:dispatch:completed`, 0, -1);
    expect(completed.length).toBeGreaterThan(0);
  }, 60_000);
});
