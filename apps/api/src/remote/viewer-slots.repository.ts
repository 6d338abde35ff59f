import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { REDIS } from '../redis/redis.module';

/** A slot is held for this long and renewed while its session lives: a crashed API frees its slots by itself. */
export const SLOT_LEASE_MS = 60_000;

/** Why a slot was not given. */
export type SlotRefusal = 'site-full' | 'own-session-open';

// KEYS[1] = site set; ARGV = now, lease expiry, limit, member ("user:session"), user prefix ("user:"),
// 1 if the viewer watches only (at most one slot per user, and the site's last slot stays free).
// 1 if taken, -1 if the site is full for this viewer, -2 if the viewer holds a slot already.
const TAKE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local limit = tonumber(ARGV[3])
if ARGV[6] == '1' then
  for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
    if string.sub(member, 1, string.len(ARGV[5])) == ARGV[5] then return -2 end
  end
  if limit > 1 then limit = limit - 1 end
end
if redis.call('ZCARD', KEYS[1]) >= limit then return -1 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ${SLOT_LEASE_MS * 2})
return 1`;

/** Who holds a slot: the user, so that one user's sessions can be counted. */
export interface SlotHolder {
  userId: string;
  sessionId: string;
  /** May not take control: holds at most one slot of the site, and never its last free one. */
  viewOnly: boolean;
}

/**
 * Concurrent screen sessions per site, shared by every API replica: a sorted set
 * per site of "user:session" members scored by lease expiry. A user who may only
 * watch holds at most one slot of a site and leaves its last slot to ops, so watchers
 * cannot keep ops from a kiosk's screen (or fill the site's leased line).
 */
@Injectable()
export class ViewerSlotsRepository {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  /** Null when the slot is taken, else why not. */
  async take(siteId: string, holder: SlotHolder, limit: number): Promise<SlotRefusal | null> {
    const now = Date.now();
    const taken = await this.redis.eval(TAKE, 1, key(siteId), now, now + SLOT_LEASE_MS, limit, member(holder), `${holder.userId}:`, holder.viewOnly ? '1' : '0');
    return taken === 1 ? null : taken === -2 ? 'own-session-open' : 'site-full';
  }

  async renew(siteId: string, holder: Omit<SlotHolder, 'viewOnly'>): Promise<void> {
    await this.redis.zadd(key(siteId), 'XX', Date.now() + SLOT_LEASE_MS, member(holder));
  }

  async release(siteId: string, holder: Omit<SlotHolder, 'viewOnly'>): Promise<void> {
    await this.redis.zrem(key(siteId), member(holder));
  }

  async inUse(siteId: string): Promise<number> {
    return this.redis.zcount(key(siteId), Date.now(), '+inf');
  }
}

const key = (siteId: string) => `remote:viewers:${siteId}`;
const member = (h: Omit<SlotHolder, 'viewOnly'>) => `${h.userId}:${h.sessionId}`;
