import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type Redis from 'ioredis';
import { REDIS } from '../redis/redis.module';
import { SessionsEnded, SessionsService } from './sessions.service';
import { logRedisOutages } from '../redis/outage-log';

/** Something open in this process for as long as a console session lasts: a socket.io socket, a screen session. */
export interface SessionBound {
  userId: string;
  sessionId: string;
  /** Closes it; called once. */
  end(ended: SessionsEnded): void;
}

/**
 * The sockets and screen sessions this process holds, by the console session they
 * were opened with. When sessions end (logout, an account change) in any process,
 * SessionsService publishes it on Redis; every API process hears it here and ends
 * what it holds of those sessions at once. A message can be missed only while the
 * subscriber is not subscribed: what is held is then checked against Redis when it
 * is taken and again each time the subscriber (re)connects.
 */
@Injectable()
export class SessionConnections implements OnModuleDestroy {
  private readonly held = new Set<SessionBound>();
  private subscriber?: Redis;
  private subscribed?: Promise<void>;
  private readonly logger = new Logger('sessions');

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly sessions: SessionsService,
  ) {}

  /**
   * Holds `bound` until the returned function releases it (when it closes for its
   * own reasons). It is ended at once if its session is gone already.
   */
  hold(bound: SessionBound): () => void {
    this.held.add(bound);
    // Checked after the subscription is live: an ending before it shows in Redis, one after it arrives as a message.
    void this.listen()
      .then(() => this.sessions.exists(bound.sessionId))
      .then((exists) => {
        if (!exists) this.end(bound, { userId: bound.userId, sessionIds: [bound.sessionId], reason: 'expired' });
      })
      .catch((err) => this.logger.error(`cannot check session of a held connection: ${(err as Error).message}`));
    return () => this.held.delete(bound);
  }

  /** Subscribes once, the first time something is held: a worker holds nothing and never subscribes. */
  private listen(): Promise<void> {
    this.subscribed ??= this.subscribe().catch((err) => {
      this.subscriber?.disconnect();
      this.subscribed = undefined;
      throw err;
    });
    return this.subscribed;
  }

  private async subscribe(): Promise<void> {
    const subscriber = this.redis.duplicate();
    this.subscriber = subscriber;
    subscriber.on('message', (_channel: string, message: string) => {
      try {
        this.ended(JSON.parse(message) as SessionsEnded);
      } catch (err) {
        this.logger.warn(`dropped a malformed session message: ${(err as Error).message}`);
      }
    });
    logRedisOutages(subscriber, 'session messages', this.logger);
    await subscriber.subscribe(this.sessions.channel);
    // After a reconnect (ioredis subscribes again by itself) messages of the gap are lost: look at Redis instead.
    subscriber.on('ready', () => void this.recheck());
  }

  private ended(message: SessionsEnded): void {
    for (const bound of this.held) {
      if (bound.userId !== message.userId) continue;
      if (message.sessionIds && !message.sessionIds.includes(bound.sessionId)) continue;
      this.end(bound, message);
    }
  }

  private async recheck(): Promise<void> {
    for (const bound of [...this.held]) {
      const exists = await this.sessions.exists(bound.sessionId).catch(() => true);
      if (!exists) this.end(bound, { userId: bound.userId, sessionIds: [bound.sessionId], reason: 'expired' });
    }
  }

  private end(bound: SessionBound, ended: SessionsEnded): void {
    if (!this.held.delete(bound)) return;
    try {
      bound.end(ended);
    } catch (err) {
      this.logger.error(`cannot close a connection of an ended session: ${(err as Error).stack ?? err}`);
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.held.clear();
    this.subscriber?.disconnect();
  }
}
