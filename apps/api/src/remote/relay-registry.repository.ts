import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { z } from 'zod';
import { REDIS } from '../redis/redis.module';

/** An API replica as the others see it. */
export interface ReplicaEntry {
  id: string;
  /** How the other replicas reach it (REPLICA_URL). */
  url: string;
  /** Epoch ms of its latest announcement. */
  lastSeen: number;
  /** Relay channels it held then. */
  channels: number;
}

/**
 * What a hop ticket asks of the holding replica, once: a stream to one kiosk through one
 * agent's channel, for one user. No address: the holding replica reads the kiosk from
 * MySQL and checks it again (RemoteService.hopTarget), so that whoever can write to
 * Redis cannot point an agent at an address of their choosing.
 */
export interface HopTicket {
  /** The replica that must redeem it: a ticket is worth nothing elsewhere. */
  replicaId: string;
  agentId: string;
  kioskId: string;
  /** The viewer, whose rights are checked again on the holding replica. */
  userId: string;
}

const rowId = z.string().regex(/^[0-9a-f-]{36}$/i);
const hopTicketSchema = z.object({ replicaId: z.string().min(1).max(64), agentId: rowId, kioskId: rowId, userId: rowId });

/**
 * A registry entry as announced: anything else (another version's shape, a hand-edited
 * key, garbage) is skipped, so that one bad entry cannot break every replica's holderOf.
 */
const replicaEntrySchema = z.object({
  url: z.string().regex(/^https?:\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'http(s)://host:port'),
  lastSeen: z.number().finite(),
  channels: z.number().int().min(0),
});

const REPLICAS_KEY = 'relay:replicas';
const channelKey = (agentId: string) => `relay:channel:${agentId}`;
const hopKey = (id: string) => `relay:hop:${id}`;

// KEYS[1] = an agent's channel key; ARGV = replica id, TTL ms. Renews the key while this
// replica holds it (or sets it if it lapsed), never taking it back from a replica the agent moved to.
const RENEW_IF_MINE = `
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;
const DELETE_IF_MINE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * Where the agents' relay channels are, shared by every API replica, and the replicas
 * themselves. Every operation touches one key (Cluster-safe without hash tags):
 *
 * - `relay:replicas`: a hash, replica id -> JSON {url, lastSeen, channels}; an entry
 *   not renewed for three heartbeats counts as gone and is pruned by whoever reads it;
 * - `relay:channel:<agentId>`: the id of the replica holding the agent's channel, with
 *   a TTL renewed while it is open, deleted when it closes;
 * - `relay:hop:<id>`: a one-time hop ticket (JSON HopTicket), short TTL, GETDEL.
 */
@Injectable()
export class RelayRegistryRepository {
  private readonly logger = new Logger('relay-registry');
  private readonly warned = new Set<string>();

  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async announce(entry: ReplicaEntry): Promise<void> {
    const { id, ...rest } = entry;
    await this.redis.hset(REPLICAS_KEY, id, JSON.stringify(rest));
  }

  async withdraw(replicaId: string): Promise<void> {
    await this.redis.hdel(REPLICAS_KEY, replicaId);
  }

  /** Replicas announced since `since` (epoch ms); older entries are removed on the way. */
  async liveReplicas(since: number): Promise<ReplicaEntry[]> {
    const all = await this.redis.hgetall(REPLICAS_KEY);
    const live: ReplicaEntry[] = [];
    const stale: string[] = [];
    for (const [id, raw] of Object.entries(all)) {
      const parsed = parseEntry(raw);
      if (!parsed.success) {
        // Once per entry and content: every replica reads the registry every heartbeat.
        const warning = `${id}\n${raw}`;
        if (!this.warned.has(warning) && this.warned.size < 100) {
          this.warned.add(warning);
          this.logger.warn(`replica registry entry ${JSON.stringify(id.slice(0, 64))} skipped: ${parsed.error}`);
        }
        continue;
      }
      const entry = { id, ...parsed.data };
      if (entry.lastSeen >= since) live.push(entry);
      else stale.push(id);
    }
    if (stale.length) await this.redis.hdel(REPLICAS_KEY, ...stale);
    return live.sort((a, b) => a.id.localeCompare(b.id));
  }

  async channelOpened(agentId: string, replicaId: string, ttlMs: number): Promise<void> {
    await this.redis.set(channelKey(agentId), replicaId, 'PX', ttlMs);
  }

  async channelRenewed(agentId: string, replicaId: string, ttlMs: number): Promise<void> {
    await this.redis.eval(RENEW_IF_MINE, 1, channelKey(agentId), replicaId, ttlMs);
  }

  async channelClosed(agentId: string, replicaId: string): Promise<void> {
    await this.redis.eval(DELETE_IF_MINE, 1, channelKey(agentId), replicaId);
  }

  /** The replica holding each agent's channel, for those that have one (one GET per agent: their keys sit in different slots). */
  async holdersOf(agentIds: string[]): Promise<Map<string, string>> {
    const holders = await Promise.all(agentIds.map((id) => this.redis.get(channelKey(id))));
    return new Map(agentIds.flatMap((id, i) => (holders[i] ? [[id, holders[i]] as [string, string]] : [])));
  }

  async issueHopTicket(ticket: HopTicket, ttlMs: number): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    await this.redis.set(hopKey(id), JSON.stringify(ticket), 'PX', ttlMs);
    return id;
  }

  /** The ticket, removed in the same step; null if unknown, used or expired. */
  async redeemHopTicket(id: string): Promise<HopTicket | null> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return null;
    const raw = await this.redis.getdel(hopKey(id));
    if (!raw) return null;
    try {
      const parsed = hopTicketSchema.safeParse(JSON.parse(raw));
      if (parsed.success) return parsed.data;
      this.logger.warn(`hop ticket of another shape refused: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
    } catch {
      this.logger.warn('hop ticket that is not JSON refused');
    }
    return null;
  }
}

function parseEntry(raw: string): { success: true; data: Omit<ReplicaEntry, 'id'> } | { success: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { success: false, error: 'not JSON' };
  }
  const parsed = replicaEntrySchema.safeParse(json);
  return parsed.success ? parsed : { success: false, error: parsed.error.issues.map((i) => `${i.path.join('.') || 'entry'}: ${i.message}`).join('; ') };
}
