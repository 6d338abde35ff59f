import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { REDIS } from '../redis/redis.module';
import type { AgentCommand } from './agent-command';

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
  }

  private key(agentId: string): string {
    return `agent-commands:${agentId}`;
  }

  /** Adds commands (and drops the ones they replace) for several agents atomically, then wakes the agents' polls. */
  async add(entries: Array<{ agentId: string; command: AgentCommand; expiresAtMs: number; replaces?: string }>): Promise<void> {
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

  /** Unexpired commands of an agent, oldest first. */
  async list(agentId: string): Promise<AgentCommand[]> {
    const key = this.key(agentId);
    const all = await this.redis.hgetall(key);
    const now = Date.now();
    const live: StoredCommand[] = [];
    const expired: string[] = [];
    for (const [id, json] of Object.entries(all)) {
      const stored = JSON.parse(json) as StoredCommand;
      if (stored.expiresAtMs > now) live.push(stored);
      else expired.push(id);
    }
    if (expired.length) await this.redis.hdel(key, ...expired);
    return live.sort((a, b) => a.enqueuedAtMs - b.enqueuedAtMs || a.command.id.localeCompare(b.command.id)).map((s) => s.command);
  }

  async get(agentId: string, commandId: string): Promise<StoredCommand | null> {
    const json = await this.redis.hget(this.key(agentId), commandId);
    if (!json) return null;
    const stored = JSON.parse(json) as StoredCommand;
    return stored.expiresAtMs > Date.now() ? stored : null;
  }

  /** The command ids the agent's last answered poll carried. */
  async lastDelivered(agentId: string): Promise<Set<string>> {
    return new Set(await this.redis.smembers(`agent-delivered:${agentId}`));
  }

  async markDelivered(agentId: string, commandIds: string[]): Promise<void> {
    const key = `agent-delivered:${agentId}`;
    const tx = this.redis.multi().del(key);
    if (commandIds.length) tx.sadd(key, ...commandIds).pexpire(key, 24 * 3_600_000);
    await execOrThrow(tx);
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
