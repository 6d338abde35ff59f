import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppConfig } from '../config/config';
import { dropDatabase } from '../database/data-source';
import { startServerWithoutConfigCommand } from '../../testing/redis-topologies';
import { startRedisServer, startServiceProcess, type ServiceProcess } from '../../testing/service-processes';
import { migratedDatabase, testConfig } from '../../testing/test-app';

/**
 * The worker's start check of Redis' eviction policy, in real worker processes
 * (the compiled API, ROLE=worker) on Redis servers of the test's own.
 */
describe("the worker's check that Redis never evicts keys", () => {
  let config: AppConfig;
  const stops: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    config = testConfig();
    const db = await migratedDatabase(config);
    await db.destroy();
  }, 60_000);

  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
    if (config) await dropDatabase(config.db);
  });

  it('starts on a Redis that refuses CONFIG (as ElastiCache and Memorystore do) and says what to check by hand', async () => {
    const server = await startServerWithoutConfigCommand();
    stops.push(server.stop);
    const refused = new Redis(server.url);
    await expect(refused.config('GET', 'maxmemory-policy')).rejects.toThrow(/unknown command/i);
    refused.disconnect();

    const worker: ServiceProcess = await startServiceProcess({ ...config, redis: { ...config.redis, url: server.url } }, { ROLE: 'worker' });
    stops.push(() => worker.kill());
    const warning = worker
      .output()
      .split('\n')
      .find((line) => line.includes('refused CONFIG GET'));
    expect(warning).toBeDefined();
    expect(JSON.parse(warning!)).toMatchObject({ level: 40 });
    expect(warning).toMatch(/Check by hand that it is \\"noeviction\\" \(ElastiCache: the parameter group; Memorystore/);
    // It goes on to work: the repair pass it queues at start runs on that Redis.
    const peek = new Redis(server.url);
    stops.push(async () => peek.disconnect());
    await expect.poll(() => peek.zcard(`${config.redis.prefix}bull:dispatch:completed`), { timeout: 15_000 }).toBeGreaterThan(0);
  }, 60_000);

  it('refuses to start on a Redis that says it evicts keys', async () => {
    const server = await startRedisServer();
    stops.push(() => server.kill());
    const admin = new Redis(server.url);
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    admin.disconnect();
    await expect(startServiceProcess({ ...config, redis: { ...config.redis, url: server.url } }, { ROLE: 'worker' })).rejects.toThrow(
      /maxmemory-policy is "allkeys-lru": BullMQ needs "noeviction"/,
    );
  }, 60_000);
});
