import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wakeThroughQueue } from '../../testing/queued-wake';
import { startSentinel } from '../../testing/redis-topologies';
import { startTestApi, type TestApi } from '../../testing/test-app';

/**
 * The API and its worker on a Redis found through Sentinel: REDIS_URL names a port
 * where nothing listens (it gives only password, db and TLS), so every connection
 * (keys, subscribers, BullMQ) must have asked the Sentinel for the master, and asks
 * again after a failover. Redis and the Sentinel each require a password, and the
 * deployment uses database 5.
 */
const passwords = { redis: 'master-pass', sentinel: 'sentinel-pass' };
describe('Redis through Sentinel', () => {
  let redis: Awaited<ReturnType<typeof startSentinel>>;
  let api: TestApi;
  let master: Redis;
  let wake: Awaited<ReturnType<typeof wakeThroughQueue>>;

  beforeAll(async () => {
    redis = await startSentinel('wk-master', passwords);
    master = new Redis({ port: redis.masterPort, host: '127.0.0.1', password: passwords.redis, db: 5 });
    api = await startTestApi({
      ROLE: 'all',
      DISPATCH_LEAD_S: '600',
      REDIS_URL: `redis://:${passwords.redis}@127.0.0.1:1/5`,
      REDIS_SENTINELS: `127.0.0.1:${redis.sentinelPort}`,
      REDIS_SENTINEL_NAME: 'wk-master',
      REDIS_SENTINEL_PASSWORD: passwords.sentinel,
    });
  }, 60_000);

  afterAll(async () => {
    await api?.close();
    master?.disconnect();
    await redis?.stop();
  });

  it('logs in, queues and runs the planning and the wake through BullMQ, and the agent polls the wake; the keys are on the master', async () => {
    wake = await wakeThroughQueue(api);
    expect(wake.command.type).toBe('wake');

    const prefix = api.config.redis.prefix;
    const keys = await master.keys(`${prefix}*`);
    expect(keys.filter((k) => k.startsWith(`${prefix}session:`))).toHaveLength(1);
    expect(keys.some((k) => k.startsWith(`${prefix}bull:dispatch:`))).toBe(true);
    expect(keys.some((k) => k.startsWith(`${prefix}agent-commands:`))).toBe(true);
    // The completed planning job is the worker's, run on the master's queue.
    const completed = await master.zrange(`${prefix}bull:dispatch:completed`, 0, -1);
    expect(completed.length).toBeGreaterThan(0);
  }, 60_000);

  it('follows a failover: sessions, long polls and queued jobs go on with the new master', async () => {
    const ops = await api.login('ops');
    await redis.failover();
    const promoted = new Redis({ port: redis.replicaPort, host: '127.0.0.1', password: passwords.redis, db: 5 });
    try {
      expect(await promoted.role().then((r) => r[0])).toBe('master');
      // The session made before the failover was replicated and is still good; a new one is written to the new master.
      await expect.poll(async () => (await ops.get('/api/auth/me')).status, { timeout: 15_000 }).toBe(200);
      const prefix = api.config.redis.prefix;
      const before = await promoted.keys(`${prefix}session:*`);
      await api.login('staff-a');
      expect((await promoted.keys(`${prefix}session:*`)).length).toBe(before.length + 1);
      // The agent's long poll still finds its pending wake (replicated) on the new master.
      const polled = await wake.agent.get<{ commands: { id: string }[] }>('/commands?wait=1');
      expect(polled.status).toBe(200);
      expect(polled.body.commands.map((c) => c.id)).toContain(wake.command.id);
      // A schedule change is planned by the worker (a BullMQ job) on the new master.
      const completedBefore = await promoted.zcard(`${prefix}bull:dispatch:completed`);
      const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
      const rule = await ops.post('/api/rules', {
        hospitalId: wake.hospitalId,
        name: 'Open day',
        scope: { kind: 'kiosks', kioskIds: [wake.kioskId] },
        layer: 'override',
        from: tomorrow,
        until: tomorrow,
        windows: [{ start: '08:00', end: '12:00' }],
      });
      expect(rule.status, rule.text).toBe(201);
      await expect.poll(() => promoted.zcard(`${prefix}bull:dispatch:completed`), { timeout: 20_000 }).toBeGreaterThan(completedBefore);
    } finally {
      promoted.disconnect();
    }
  }, 90_000);
});
