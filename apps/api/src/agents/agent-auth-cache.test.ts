import net from 'node:net';
import Redis from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config';
import { Agent } from './agent.entity';
import { AgentAuthCache } from './agent-auth-cache';

/** A port on 127.0.0.1 with nothing listening: a Redis that is down. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('AgentAuthCache without Redis', () => {
  let redis: Redis | undefined;
  let cache: AgentAuthCache | undefined;
  afterEach(async () => {
    await cache?.onModuleDestroy();
    redis?.disconnect();
  });

  it('looks the token up on every request while it cannot subscribe, and a change still commits', async () => {
    const url = `redis://127.0.0.1:${await closedPort()}`;
    redis = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    redis.on('error', () => {});
    cache = new AgentAuthCache(redis, loadConfig({ REDIS_URL: url }));
    const agent = Object.assign(new Agent(), { id: 'a1', siteId: 's1', name: 'pi-1' });
    let lookups = 0;
    const lookUp = async () => {
      lookups++;
      return agent;
    };
    expect(await cache.get('hash-1', lookUp)).toBe(agent);
    expect(await cache.get('hash-1', lookUp)).toBe(agent);
    expect(lookups).toBe(2);
    // Revoking (or any change) is committed before the publish, which fails here.
    expect(await cache.afterChange(Promise.resolve({ id: 'a1' }), (r) => r.id)).toEqual({ id: 'a1' });
  });
});
