import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { REDIS } from '../redis/redis.module';

/** Longer than any import takes; a lock of a process that died ends by itself. */
const IMPORT_LOCK_MS = 5 * 60_000;

/**
 * One kiosk import at a time per user, on every API replica: a file is parsed and
 * checked in the API process, and a user firing many at once would take its time
 * from everyone else's requests.
 */
@Injectable()
export class KioskImportsRepository {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  /** A token to release with, or null while another import of the user runs. */
  async begin(userId: string): Promise<string | null> {
    const token = randomUUID();
    return (await this.redis.set(key(userId), token, 'PX', IMPORT_LOCK_MS, 'NX')) === 'OK' ? token : null;
  }

  /** Ends the user's import if `token` still holds it (not one begun after it expired). */
  async end(userId: string, token: string): Promise<void> {
    await this.redis.eval(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`, 1, key(userId), token);
  }
}

const key = (userId: string) => `kiosks:import:${userId}`;
