import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { RateLimiterRedis, type RateLimiterRes } from 'rate-limiter-flexible';
import { APP_CONFIG, AppConfig } from '../config/config';
import { REDIS } from '../redis/redis.module';

/** How long an address stays known for an account after a successful login from it. */
const KNOWN_ADDRESS_S = 30 * 24 * 3600;

/** Which limit refused a login: the account from this address, the account, the address. */
export type LoginLock = 'account-address' | 'account' | 'address';

export interface LoginRefusal {
  retryAfterS: number;
  locked: LoginLock[];
}

/**
 * Limits on failed logins, in Redis (every API replica counts together) by
 * rate-limiter-flexible, in fixed windows of LOGIN_RATE_WINDOW_S. Only failures
 * count: an attempt takes its points before the password is checked (so parallel
 * guesses cannot all slip past a check) and a success gives them back.
 *
 * - account from one address: LOGIN_RATE_LIMIT failures, then that address may not
 *   try that account until the window ends;
 * - account: LOGIN_RATE_LIMIT failures from anywhere lock it;
 * - address: 5 x LOGIN_RATE_LIMIT failures on any accounts lock it;
 *
 * but the account and address locks do not apply to an address that has signed in
 * to the account in the last 30 days: a guesser elsewhere, or a neighbour behind the
 * same hospital NAT, cannot lock a user out of their usual workstation. Guessing from
 * such an address is bounded by the first limit, which only someone at that address
 * can use up. Keys hold the normalised username (usernames.ts) and the address
 * Express trusts (TRUST_PROXY).
 */
@Injectable()
export class LoginRateLimiter {
  private readonly limits: Record<LoginLock, RateLimiterRedis>;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    const { attempts, windowS } = config.loginRateLimit;
    // The client's keyPrefix (REDIS_PREFIX) goes in front of these.
    const limit = (keyPrefix: string, points: number) =>
      new RateLimiterRedis({ storeClient: redis, keyPrefix, points, duration: windowS });
    this.limits = {
      'account-address': limit('login-failures:account-address', attempts),
      account: limit('login-failures:account', attempts),
      address: limit('login-failures:address', attempts * 5),
    };
  }

  /**
   * Counts the attempt as a failure until `succeeded` says otherwise, or refuses it
   * (then it does not count: nothing was tried).
   */
  async begin(username: string, ip: string): Promise<LoginRefusal | null> {
    const keys = this.keysOf(username, ip);
    const [known, counted] = await Promise.all([
      this.redis.exists(knownKey(username, ip)).then((n) => n > 0),
      Promise.all(LOCKS.map((lock) => this.limits[lock].penalty(keys[lock]))),
    ]);
    const refusing = LOCKS.map((lock, i): [LoginLock, RateLimiterRes] => [lock, counted[i]]).filter(
      ([lock, res]) => res.consumedPoints > this.limits[lock].points && (lock === 'account-address' || !known),
    );
    if (!refusing.length) return null;
    await this.giveBack(keys);
    return {
      retryAfterS: Math.max(1, ...refusing.map(([, res]) => Math.ceil(res.msBeforeNext / 1000))),
      locked: refusing.map(([lock]) => lock),
    };
  }

  /** The password was right: the attempt does not count, and the address is known for the account. */
  async succeeded(username: string, ip: string): Promise<void> {
    const keys = this.keysOf(username, ip);
    await Promise.all([
      this.limits['account-address'].delete(keys['account-address']),
      this.limits.account.reward(keys.account),
      this.limits.address.reward(keys.address),
      this.redis.set(knownKey(username, ip), '1', 'EX', KNOWN_ADDRESS_S),
    ]);
  }

  private async giveBack(keys: Record<LoginLock, string>): Promise<void> {
    await Promise.all(LOCKS.map((lock) => this.limits[lock].reward(keys[lock])));
  }

  private keysOf(username: string, ip: string): Record<LoginLock, string> {
    return { 'account-address': `${ip}/${username}`, account: username, address: ip };
  }
}

const LOCKS: LoginLock[] = ['account-address', 'account', 'address'];

/** An address never contains `/`, so `ip/username` cannot be read two ways. */
function knownKey(username: string, ip: string): string {
  return `login-known:${ip}/${username}`;
}
