import type { Cluster } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config';
import { connectRedis, isCluster } from './connections';

/**
 * What each way of running Redis makes of REDIS_URL: with Sentinel or a Cluster it
 * names no server, but still gives user, password, database and TLS. The clients
 * are made without connecting (lazyConnect); the real servers are in *.e2e.test.ts.
 */
describe('Redis connections from the configuration', () => {
  const url = 'rediss://wakeward:p%40ss%3Aword@ignored.example:6380/3';

  it('Sentinel: the Sentinels and the group name, with REDIS_URL\'s user, password, database and TLS', () => {
    const config = loadConfig({ REDIS_URL: url, REDIS_SENTINELS: '10.0.0.5:26379,10.0.0.6:26379', REDIS_SENTINEL_NAME: 'wk', REDIS_SENTINEL_PASSWORD: 'sentinel-pass' });
    const redis = connectRedis(config.redis, { lazyConnect: true, keyPrefix: config.redis.prefix }, 'test');
    expect(isCluster(redis)).toBe(false);
    expect(redis.options).toMatchObject({
      sentinels: [{ host: '10.0.0.5', port: 26379 }, { host: '10.0.0.6', port: 26379 }],
      name: 'wk',
      sentinelPassword: 'sentinel-pass',
      username: 'wakeward',
      password: 'p@ss:word',
      db: 3,
      tls: {},
      enableTLSForSentinelMode: true,
      sentinelTLS: {},
      keyPrefix: 'wk:',
    });
    // Its subscribers (duplicates) ask the same Sentinels.
    expect(redis.duplicate().options).toMatchObject({ name: 'wk', password: 'p@ss:word', db: 3 });
    redis.disconnect();
  });

  it('Cluster: the nodes given, the hash-tagged prefix, REDIS_URL\'s user, password and TLS on every node', () => {
    const config = loadConfig({ REDIS_URL: 'rediss://:secret@ignored.example', REDIS_CLUSTER_NODES: 'redis-0:6379,redis-1:6379' });
    const redis = connectRedis(config.redis, { lazyConnect: true, keyPrefix: config.redis.prefix, maxRetriesPerRequest: null }, 'test');
    const cluster = redis as unknown as Cluster;
    expect(isCluster(redis)).toBe(true);
    expect(cluster.options).toMatchObject({ keyPrefix: '{wk:}', redisOptions: { password: 'secret', tls: {}, maxRetriesPerRequest: null } });
    cluster.disconnect();
  });

  it('one server: REDIS_URL as it is', () => {
    const redis = connectRedis(loadConfig({ REDIS_URL: 'redis://:pw@10.0.0.9:6390/2' }).redis, { lazyConnect: true }, 'test');
    expect(redis.options).toMatchObject({ host: '10.0.0.9', port: 6390, password: 'pw', db: 2 });
    expect(redis.options.sentinels).toBeFalsy();
    redis.disconnect();
  });
});
