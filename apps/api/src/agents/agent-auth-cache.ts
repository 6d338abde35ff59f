import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type Redis from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { REDIS } from '../redis/redis.module';
import type { Agent } from './agent.entity';
import { logRedisOutages } from '../redis/outage-log';

/**
 * Agents by token hash, for the token guard. Why: every agent request (a long poll
 * and a heartbeat each half minute) looked its token up in MySQL, and with 5,000
 * agents those lookups were most of an API process's queries (bench/dispatch-fleet.ts).
 *
 * An entry lives AGENT_AUTH_CACHE_S. Any change to an agent (token revoked, rotated or
 * re-enrolled, agent edited or deleted) is published on a Redis channel after its
 * commit (`afterChange`), and every API process drops that agent's entries at once. A
 * lookup that overlaps a change is not kept. If the subscriber loses its connection,
 * every entry is dropped when it is back (messages sent meanwhile are lost); the
 * lifetime bounds what a message lost otherwise could leave behind.
 */
const RESUBSCRIBE_AFTER_MS = 5_000;

@Injectable()
export class AgentAuthCache implements OnModuleDestroy {
  private readonly logger = new Logger('agent-auth');
  private readonly byHash = new Map<string, { agent: Agent; until: number }>();
  /** Counts the changes heard: a lookup that saw one while it ran is not kept. */
  private changes = 0;
  private subscriber?: Redis;
  private listening?: Promise<void>;
  private subscribeFailedAt = -Infinity;
  private readonly channel: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    // ioredis prefixes keys, not channels.
    this.channel = `${config.redis.prefix}agent-changes`;
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }

  /**
   * The agent for this token hash: from memory when looked up within the lifetime,
   * else from `lookUp`, kept only if no change was heard meanwhile.
   */
  async get(tokenHash: string, lookUp: () => Promise<Agent | null>): Promise<Agent | null> {
    const ttl = this.config.agents.authCacheMs;
    if (ttl <= 0) return lookUp();
    const cached = this.byHash.get(tokenHash);
    if (cached && cached.until > Date.now()) return cached.agent;
    // Not subscribed (Redis unreachable): look up every time, and try again now and then.
    if (!this.listening && Date.now() - this.subscribeFailedAt < RESUBSCRIBE_AFTER_MS) return lookUp();
    try {
      await (this.listening ??= this.listen());
    } catch (err) {
      this.logger.warn(`subscribe: ${(err as Error).message}`);
      this.subscribeFailedAt = Date.now();
      this.listening = undefined;
      this.subscriber?.disconnect();
      this.subscriber = undefined;
      return lookUp();
    }
    const changesBefore = this.changes;
    const agent = await lookUp();
    if (agent && this.changes === changesBefore) this.byHash.set(tokenHash, { agent, until: Date.now() + ttl });
    else this.byHash.delete(tokenHash);
    return agent;
  }

  /**
   * Waits for `change` (a committed transaction that changed an agent), then makes
   * every API process drop that agent: after the commit, so that no process can
   * look the old row up again once it has dropped it.
   */
  async afterChange<T>(change: Promise<T>, agentIdOf: (result: T) => string): Promise<T> {
    const result = await change;
    const agentId = agentIdOf(result);
    this.dropAgent(agentId);
    // The change is committed whatever Redis says. Unpublished, other processes keep
    // the agent until their subscriber reconnects (it was cut too) or the lifetime ends.
    await this.redis.publish(this.channel, agentId).catch((err: Error) => this.logger.error(`publish: ${err.message}`));
    return result;
  }

  private dropAgent(agentId: string): void {
    this.changes++;
    for (const [hash, entry] of this.byHash) if (entry.agent.id === agentId) this.byHash.delete(hash);
  }

  /** Subscribes on first use: only processes that serve agents hold the connection. */
  private async listen(): Promise<void> {
    const subscriber = this.redis.duplicate();
    this.subscriber = subscriber;
    subscriber.on('message', (channel: string, agentId: string) => {
      if (channel === this.channel) this.dropAgent(agentId);
    });
    let connectedOnce = false;
    subscriber.on('ready', () => {
      if (connectedOnce) {
        this.changes++;
        this.byHash.clear();
      }
      connectedOnce = true;
    });
    logRedisOutages(subscriber, 'agent token changes', this.logger);
    await subscriber.subscribe(this.channel);
  }
}
