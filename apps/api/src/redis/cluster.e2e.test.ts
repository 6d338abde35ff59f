import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wakeThroughQueue } from '../../testing/queued-wake';
import { startCluster, type RedisProcesses } from '../../testing/redis-topologies';
import { startTestApi, type TestApi } from '../../testing/test-app';

/**
 * The API and its worker on a real 3-master Redis Cluster, given one node
 * (REDIS_CLUSTER_NODES; the client learns the others). A Cluster refuses a MULTI,
 * script or multi-key command whose keys are in different slots: every command the
 * masters receive is recorded (MONITOR), and every key of the deployment must hash
 * to the one slot of its prefix's hash tag.
 */
describe('Redis Cluster', () => {
  let cluster: RedisProcesses & { ports: number[] };
  let api: TestApi;
  const monitors: Redis[] = [];
  const commands: string[][] = [];

  beforeAll(async () => {
    cluster = await startCluster();
    for (const port of cluster.ports) {
      const node = new Redis(port, '127.0.0.1');
      const monitor = await node.monitor();
      monitor.on('monitor', (_time: string, args: string[]) => {
        commands.push(args);
      });
      monitors.push(monitor);
      // MONITOR never shows CONFIG: the command counts tell who asked for it.
      await node.config('RESETSTAT');
      node.disconnect();
    }
    api = await startTestApi({
      ROLE: 'all',
      DISPATCH_LEAD_S: '600',
      REDIS_URL: 'redis://127.0.0.1:1',
      REDIS_CLUSTER_NODES: `127.0.0.1:${cluster.ports[0]}`,
    });
  }, 60_000);

  afterAll(async () => {
    await api?.close();
    for (const monitor of monitors) monitor.disconnect();
    await cluster?.stop();
  });

  it("the worker checked every master's eviction policy at start", async () => {
    for (const port of cluster.ports) {
      const node = new Redis(port, '127.0.0.1');
      const stats = await node.info('commandstats');
      node.disconnect();
      expect(stats, `master on ${port}`).toMatch(/cmdstat_config\|get:calls=1,/);
    }
  });

  it('logs in, plans and wakes through BullMQ, the agent polls the wake, logout ends every session: all in one slot', async () => {
    const prefix = api.config.redis.prefix;
    expect(prefix).toMatch(/^\{wk_test_[0-9a-f]+:\}$/);

    const { kioskId, command } = await wakeThroughQueue(api);
    expect(command.targets.map((t) => t.kioskId)).toEqual([kioskId]);

    // Two sessions of one user, ended together at logout (one MULTI deleting both).
    const first = await api.login('ops');
    const second = await api.login('ops');
    expect((await first.post('/api/auth/logout')).status).toBeLessThan(300);
    expect((await second.get('/api/auth/me')).status).toBe(401);

    const ours = commands.filter((args) => args.slice(1).some((a) => a.startsWith(prefix)));
    // MULTI and EXEC name no key: any seen is ours (the Cluster serves nothing else).
    const verbs = new Set([...ours, ...commands.filter((args) => args.length === 1)].map((args) => args[0].toLowerCase()));
    // What a Cluster would refuse across slots was really sent: transactions, scripts (ours and BullMQ's), multi-key DEL.
    for (const verb of ['multi', 'exec', 'evalsha', 'del', 'zadd', 'hset']) expect(verbs, verb).toContain(verb);
    const named = [...new Set(ours.flatMap((args) => args.slice(1).filter((a) => a.startsWith(prefix))))];
    const node = new Redis(cluster.ports[0], '127.0.0.1');
    const slots = await Promise.all([prefix, ...named].map((key) => node.cluster('KEYSLOT', key) as Promise<number>));
    node.disconnect();
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter((_, i) => slots[i + 1] !== slots[0])).toEqual([]);

    // Every key of the deployment sits on the one master that serves the slot.
    const keysPerMaster = await Promise.all(
      cluster.ports.map(async (port) => {
        const node = new Redis(port, '127.0.0.1');
        const keys = await node.keys(`${prefix}*`);
        node.disconnect();
        return keys;
      }),
    );
    expect(keysPerMaster.filter((keys) => keys.length)).toHaveLength(1);
    expect(keysPerMaster.flat().some((k) => k.startsWith(`${prefix}bull:dispatch:`))).toBe(true);
  }, 90_000);
});
