import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { REDIS } from './redis.module';

const WAIT_STEP_MS = 100;
const RELEASE_IF_HELD = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/**
 * One costly request of a kind at a time per user, across API replicas (key
 * `<kind>:<userId>`): a script in a loop or many tabs cannot pile them up. The lock
 * expires on its own, so a process that died while holding it frees it.
 */
@Injectable()
export class UserLocksRepository {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  /**
   * A token to release with, or null while another request of this kind by the user
   * runs; with `waitMs`, waits that long for it to end first (a quick request queued
   * behind another, e.g. a page's next week clicked while this week loads).
   */
  async take(kind: string, userId: string, ttlMs: number, waitMs = 0): Promise<string | null> {
    const token = randomBytes(12).toString('base64url');
    const giveUpAt = Date.now() + waitMs;
    for (;;) {
      const ok = await this.redis.set(`${kind}:${userId}`, token, 'PX', ttlMs, 'NX');
      if (ok === 'OK') return token;
      if (Date.now() >= giveUpAt) return null;
      await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
    }
  }

  /** Releases only the caller's own lock: one that expired and was taken again stays. */
  async release(kind: string, userId: string, token: string): Promise<void> {
    await this.redis.eval(RELEASE_IF_HELD, 1, `${kind}:${userId}`, token);
  }
}
