import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { REDIS } from '../redis/redis.module';

/** What a ticket stands for: one user, in one console session, opening one kiosk's screen, once. */
export interface ScreenTicket {
  userId: string;
  sessionId: string;
  kioskId: string;
  canControl: boolean;
  issuedAt: string;
}

/**
 * Screen tickets live in Redis only: `SET ... PX ttl` when issued, `GETDEL` when
 * redeemed, so a ticket works once and never after its TTL, on any API replica.
 */
@Injectable()
export class ScreenTicketsRepository {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async issue(ticket: ScreenTicket, ttlMs: number): Promise<string> {
    const id = randomBytes(24).toString('base64url');
    await this.redis.set(key(id), JSON.stringify(ticket), 'PX', ttlMs);
    return id;
  }

  /** The ticket, removed in the same step; null if unknown, used or expired. */
  async redeem(id: string): Promise<ScreenTicket | null> {
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(id)) return null;
    const raw = await this.redis.getdel(key(id));
    return raw ? (JSON.parse(raw) as ScreenTicket) : null;
  }
}

const key = (id: string) => `remote:ticket:${id}`;
