import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import { REDIS } from '../redis/redis.module';
import { PendingCommandsRepository } from './pending-commands.repository';
import { logRedisOutages } from '../redis/outage-log';

type Listener = () => void;

/**
 * One Redis subscriber connection per API process; waiting long polls register
 * here by agent id and are called when a command for their agent changes on any
 * replica. No polling: a command reaches a waiting agent in one Redis round trip.
 */
@Injectable()
export class CommandNotifier implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('agent-commands');
  private readonly listeners = new Map<string, Set<Listener>>();
  private subscriber?: Redis;
  private closing = false;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly pending: PendingCommandsRepository,
  ) {}

  async onModuleInit(): Promise<void> {
    const subscriber = this.redis.duplicate();
    this.subscriber = subscriber;
    subscriber.on('message', (channel: string, agentId: string) => {
      if (channel === this.pending.channel) this.notify(agentId);
    });
    // Messages published while the connection was down are lost: every waiter re-reads.
    let connectedOnce = false;
    subscriber.on('ready', () => {
      if (connectedOnce) this.notifyAll();
      connectedOnce = true;
    });
    logRedisOutages(subscriber, 'agent commands', this.logger);
    await subscriber.subscribe(this.pending.channel);
  }

  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    this.notifyAll();
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /** Calls `listener` whenever the agent's pending commands change; returns the unsubscribe. */
  listen(agentId: string, listener: Listener): () => void {
    let set = this.listeners.get(agentId);
    if (!set) this.listeners.set(agentId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (!set.size && this.listeners.get(agentId) === set) this.listeners.delete(agentId);
    };
  }

  /** Number of agents with a poll waiting in this process (for the benchmark and metrics). */
  get waitingAgents(): number {
    return this.listeners.size;
  }

  private notify(agentId: string): void {
    for (const listener of this.listeners.get(agentId) ?? []) listener();
  }

  private notifyAll(): void {
    for (const set of this.listeners.values()) for (const listener of set) listener();
  }
}
