import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Redis from 'ioredis';
import { REDIS } from '../redis/redis.module';
import { seedTwoHospitals } from '../../testing/fixtures';
import { startServiceProcess } from '../../testing/service-processes';
import { startTestApi, TestApi } from '../../testing/test-app';
import { until } from '../../testing/wait';
import { FINGERPRINT_KEY, fingerprintOf, SHARED_SECRET_KEY } from './session-secret';

/**
 * Issue 24: sessions agree across API replicas behind a balancer with no stickiness.
 * Outside production the replicas share a secret drawn once and kept in Redis; with
 * SESSION_SECRET (production) a replica whose secret differs from the others' refuses
 * to start and says what to set.
 */
describe('one session secret for every replica', () => {
  let first: TestApi;
  let second: TestApi;

  beforeAll(async () => {
    first = await startTestApi();
    second = await startTestApi({}, { replicaOf: first });
    await seedTwoHospitals(first.db);
  });

  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  it('a login on one replica is valid on the other with no SESSION_SECRET set', async () => {
    expect(first.config.session.secret).toBeNull();
    expect(second.config.session.secret).toBeNull();
    const onFirst = await first.login('admin');
    const onSecond = await second.login('ops');
    for (const [client, username] of [
      [onFirst, 'admin'],
      [onSecond, 'ops'],
    ] as const) {
      for (const replica of [first, second]) {
        const me = await replica.anonymous().request('GET', '/api/auth/me', undefined, { cookie: client.cookie! });
        expect(me.status, `${username} on ${replica.url}: ${me.text}`).toBe(200);
        expect(me.body.user.username).toBe(username);
      }
    }
    // A logout on one ends the session on the other too.
    const logout = await second.anonymous().request('POST', '/api/auth/logout', undefined, { cookie: onFirst.cookie!, origin: second.url });
    expect(logout.status, logout.text).toBeLessThan(300);
    expect((await first.anonymous().request('GET', '/api/auth/me', undefined, { cookie: onFirst.cookie! })).status).toBe(401);
  });

  it('keeps the shared secret in Redis and only a fingerprint of it beside', async () => {
    const prefix = first.config.redis.prefix;
    const shared = await first.redis.get(`${prefix}${SHARED_SECRET_KEY}`);
    expect(shared).toMatch(/^[0-9a-f]{64}$/);
    expect(await first.redis.get(`${prefix}${FINGERPRINT_KEY}`)).toBe(fingerprintOf(shared!));
    expect(fingerprintOf(shared!)).not.toContain(shared!.slice(0, 16));
  });

  it('a Redis that restarts empty gets the secret back from the running replicas: one started later shares it', async () => {
    const prefix = first.config.redis.prefix;
    const shared = await first.redis.get(`${prefix}${SHARED_SECRET_KEY}`);
    const onFirst = await first.login('admin');
    // As after a restart of a Redis without persistence: the keys are gone, the processes reconnect.
    await first.redis.del(`${prefix}${SHARED_SECRET_KEY}`, `${prefix}${FINGERPRINT_KEY}`);
    second.app.get<Redis>(REDIS).disconnect(true);
    await until(async () => (await first.redis.get(`${prefix}${SHARED_SECRET_KEY}`)) === shared, 10_000, 50);
    expect(await first.redis.get(`${prefix}${FINGERPRINT_KEY}`)).toBe(fingerprintOf(shared!));
    const third = await startTestApi({}, { replicaOf: first });
    try {
      const me = await third.anonymous().request('GET', '/api/auth/me', undefined, { cookie: onFirst.cookie! });
      expect(me.status, me.text).toBe(200);
    } finally {
      await third.close();
    }
  });

  it('a production replica whose SESSION_SECRET differs from the others\' refuses to start and says what to set', async () => {
    const prefix = `${first.config.redis.prefix}prod:`;
    const config = { ...first.config, redis: { ...first.config.redis, prefix } };
    const production = { NODE_ENV: 'production', ROLE: 'api', PUBLIC_ORIGIN: 'https://wakeward.example' };
    const agreed = await startServiceProcess(config, { ...production, SESSION_SECRET: 'a'.repeat(40) });
    try {
      // The same secret is welcome.
      const same = await startServiceProcess(config, { ...production, SESSION_SECRET: 'a'.repeat(40) });
      await same.kill();
      const refused = startServiceProcess(config, { ...production, SESSION_SECRET: 'b'.repeat(40) });
      await expect(refused).rejects.toThrow(/process exited 78/);
      await expect(refused).rejects.toThrow(
        new RegExp(`SESSION_SECRET: differs from the other replicas' \\(fingerprint ${fingerprintOf('b'.repeat(40))} here, ${fingerprintOf('a'.repeat(40))} in Redis\\): set the same SESSION_SECRET on every API replica`),
      );
      // The secret itself is never written anywhere.
      await expect(refused).rejects.not.toThrow(/bbbbbbbbbbbbbbbb/);
    } finally {
      await agreed.kill();
    }
  }, 60_000);
});
