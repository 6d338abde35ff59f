import Redis, { Cluster, type RedisOptions } from 'ioredis';
import type { AppConfig } from '../config/config';
import { logRedisOutages } from './outage-log';

/**
 * Every Redis connection of the API and worker is made here, from the one setting
 * of how Redis is run (README "Configuration"): the server of REDIS_URL, the master
 * that Sentinels name (ioredis asks them and follows a failover), or a Cluster.
 * Subscribers are `duplicate()`s of these and follow the same way.
 *
 * A Cluster client is handed out as `Redis`: it answers the same commands, and the
 * keys it is given all hash to one slot (the prefix is a hash tag, see config.ts),
 * so MULTI and scripts behave as on one server.
 */
export function connectRedis(config: AppConfig['redis'], options: RedisOptions, name: string): Redis {
  return logRedisOutages(createClient(config, options), name);
}

/**
 * A write that reaches a master just demoted by a failover (Sentinel's, or a managed
 * service's behind one address) gets READONLY: reconnect, which finds the new master,
 * and send the command again, as ioredis' README advises.
 */
const reconnectOnReadOnly = (err: Error) => (err.message.startsWith('READONLY') ? 2 : false);

function createClient(config: AppConfig['redis'], givenOptions: RedisOptions): Redis {
  const { topology } = config;
  const options = { reconnectOnError: reconnectOnReadOnly, ...givenOptions };
  if (topology.kind === 'server') return new Redis(config.url, options);
  const fromUrl = credentialsOf(config.url);
  if (topology.kind === 'sentinel') {
    return new Redis({
      ...fromUrl,
      ...options,
      sentinels: topology.sentinels,
      name: topology.masterName,
      sentinelPassword: topology.sentinelPassword ?? undefined,
      // rediss:// means TLS to the master and replicas; Sentinels are asked over TLS too.
      ...(fromUrl.tls && { enableTLSForSentinelMode: true, sentinelTLS: fromUrl.tls }),
    });
  }
  // A Cluster follows its own failovers (MOVED replies).
  const { keyPrefix, enableReadyCheck, reconnectOnError: _cluster, ...perNode } = options;
  const cluster = new Cluster(topology.nodes, {
    keyPrefix,
    enableReadyCheck,
    redisOptions: { ...perNode, username: fromUrl.username, password: fromUrl.password, tls: fromUrl.tls },
    // As ioredis' README says for ElastiCache with TLS: connect to the names as given, so certificates match.
    ...(fromUrl.tls && { dnsLookup: (address: string, done: (err: null, address: string) => void) => done(null, address) }),
  });
  return cluster as unknown as Redis;
}

/** What REDIS_URL still says when Sentinels or a Cluster say where Redis is: who we are, which database, TLS. */
function credentialsOf(url: string): Pick<RedisOptions, 'username' | 'password' | 'db' | 'tls'> {
  const parsed = new URL(url);
  return {
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db: Number(parsed.pathname.slice(1) || 0),
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
  };
}

/** Whether a client is a Cluster's: some checks go to each master rather than to one server. */
export function isCluster(redis: Redis): boolean {
  return (redis as unknown as Cluster).isCluster === true;
}

/**
 * The servers holding data: the one server, the master found by Sentinel, or each
 * master of a Cluster (known once the client has read the Cluster's slots).
 */
export async function dataServers(redis: Redis): Promise<Redis[]> {
  if (!isCluster(redis)) return [redis];
  const cluster = redis as unknown as Cluster;
  if (cluster.status !== 'ready') await new Promise((resolve) => cluster.once('ready', resolve));
  return cluster.nodes('master');
}
