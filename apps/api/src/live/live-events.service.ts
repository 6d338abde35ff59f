import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { REDIS } from '../redis/redis.module';

export type LiveEventType = 'kiosk.liveness' | 'dispatch.updated' | 'alert.opened' | 'alert.updated' | 'agent.status' | 'schedule.changed';

export interface LiveEvent {
  type: LiveEventType;
  hospitalId: string;
  payload: Record<string, unknown>;
}

/**
 * Publishes events for the console. They go through Redis pub/sub, so any process
 * (an API replica or a worker) can publish and every API replica relays them to
 * its own browsers, in rooms per hospital.
 */
@Injectable()
export class LiveEventsService {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Pub/sub channels are not prefixed by ioredis' keyPrefix: the prefix is added here. */
  get channel(): string {
    return `${this.config.redis.prefix}live-events`;
  }

  async publish(type: LiveEventType, hospitalId: string, payload: Record<string, unknown>): Promise<void> {
    const event: LiveEvent = { type, hospitalId, payload: { ...payload, hospitalId } };
    await this.redis.publish(this.channel, JSON.stringify(event));
  }
}
