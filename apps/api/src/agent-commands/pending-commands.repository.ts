import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { REDIS } from '../redis/redis.module';
import type { AgentCommand } from './agent-command';

/** How long the ids of an agent's last answer are kept (an agent silent for longer gets everything as new). */
const DELIVERED_TTL_MS = 24 * 3_600_000;
const deliveredKey = (agentId: string) => `agent-delivered:${agentId}`;

// KEYS[1] = the agent's commands (hash: id -> StoredCommand JSON), KEYS[2] = the ids its
// last answer carried (set); ARGV = now (ms), final (1 or 0), the set's TTL (ms).
// Returns {1, json, ...} to answer with these commands, {0} to keep waiting.
// unpack() is bounded by Lua's stack, hence HDEL and SADD in chunks.
const POLL_STEP = `
local now = tonumber(ARGV[1])
local entries = redis.call('HGETALL', KEYS[1])
local ids, live, expired = {}, {}, {}
for i = 1, #entries, 2 do
  if tonumber(cjson.decode(entries[i + 1]).expiresAtMs) > now then
    ids[#ids + 1] = entries[i]
    live[#live + 1] = entries[i + 1]
  else
    expired[#expired + 1] = entries[i]
  end
end
for i = 1, #expired, 1000 do
  redis.call('HDEL', KEYS[1], unpack(expired, i, math.min(i + 999, #expired)))
end
if ARGV[2] ~= '1' then
  local news = false
  for _, id in ipairs(ids) do
    if redis.call('SISMEMBER', KEYS[2], id) == 0 then news = true break end
  end
  if not news then return {0} end
end
redis.call('DEL', KEYS[2])
for i = 1, #ids, 1000 do
  redis.call('SADD', KEYS[2], unpack(ids, i, math.min(i + 999, #ids)))
end
if #ids > 0 then redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
table.insert(live, 1, 1)
return live`;

declare module 'ioredis' {
  interface RedisCommander {
    /** POLL_STEP, defined by PendingCommandsRepository. */
    wakewardPollStep(
      commandsKey: string,
      deliveredKey: string,
      nowMs: number,
      final: 0 | 1,
      deliveredTtlMs: number,
    ): Promise<[number, ...string[]]>;
  }
}

interface StoredCommand {
  command: AgentCommand;
  expiresAtMs: number;
  enqueuedAtMs: number;
}

/**
 * Commands waiting for an agent's result, in Redis: one hash per agent (command id
 * -> JSON), expired entries dropped when read, the key itself expiring with its
 * last command. Every change publishes the agent id on one channel, which
 * CommandNotifier fans out to the long polls of every API process.
 */
@Injectable()
export class PendingCommandsRepository {
  /** ioredis prefixes keys, not channels: the prefix is added here by hand. */
  readonly channel: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.channel = `${config.redis.prefix}agent-commands`;
    // Sent by its SHA (EVALSHA), its text only when Redis does not have it yet.
    redis.defineCommand('wakewardPollStep', { numberOfKeys: 2, lua: POLL_STEP });
  }

  private key(agentId: string): string {
    return `agent-commands:${agentId}`;
  }

  /** Adds commands (and drops the ones they replace) for several agents atomically, then wakes the agents' polls. */
  async add(
    entries: Array<{ agentId: string; command: AgentCommand; expiresAtMs: number; replaces?: string }>,
  ): Promise<void> {
    if (!entries.length) return;
    const now = Date.now();
    const tx = this.redis.multi();
    for (const e of entries) {
      const key = this.key(e.agentId);
      if (e.replaces) tx.hdel(key, e.replaces);
      const stored: StoredCommand = { command: e.command, expiresAtMs: e.expiresAtMs, enqueuedAtMs: now };
      tx.hset(key, e.command.id, JSON.stringify(stored));
      // The key lives as long as its longest-lived command: NX for a new key, GT to extend.
      tx.pexpireat(key, e.expiresAtMs, 'NX');
      tx.pexpireat(key, e.expiresAtMs, 'GT');
    }
    for (const agentId of new Set(entries.map((e) => e.agentId))) tx.publish(this.channel, agentId);
    await execOrThrow(tx);
  }

  /**
   * One step of a long poll, in one round trip: the agent's unexpired commands, oldest
   * first (expired ones dropped), and whether to answer with them now. A poll answers
   * when a command is not among those its agent's last answer carried, or when `final`
   * (its wait is over); answering records what it carries as the last answer. The
   * long poll is most of what agents ask of the API: one script, not three calls.
   */
  async pollStep(agentId: string, final: boolean): Promise<{ answer: boolean; commands: AgentCommand[] }> {
    const [answer, ...stored] = await this.redis.wakewardPollStep(
      this.key(agentId),
      deliveredKey(agentId),
      Date.now(),
      final ? 1 : 0,
      DELIVERED_TTL_MS,
    );
    const commands = stored
      .map((json) => JSON.parse(json) as StoredCommand)
      .sort((a, b) => a.enqueuedAtMs - b.enqueuedAtMs || a.command.id.localeCompare(b.command.id))
      .map((s) => s.command);
    return { answer: answer === 1, commands };
  }

  async get(agentId: string, commandId: string): Promise<StoredCommand | null> {
    const json = await this.redis.hget(this.key(agentId), commandId);
    if (!json) return null;
    const stored = JSON.parse(json) as StoredCommand;
    return stored.expiresAtMs > Date.now() ? stored : null;
  }

  async has(agentId: string, commandId: string): Promise<boolean> {
    return (await this.redis.hexists(this.key(agentId), commandId)) === 1;
  }

  async remove(agentId: string, commandId: string): Promise<void> {
    await this.redis.hdel(this.key(agentId), commandId);
  }
}

async function execOrThrow(tx: ReturnType<Redis['multi']>): Promise<void> {
  const results = await tx.exec();
  if (!results) throw new Error('Redis transaction aborted');
  const failed = results.find(([err]) => err);
  if (failed) throw failed[0];
}
