import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { createApiApp } from '../src/app';
import { createLogger } from '../src/common/logger';
import { AppConfig, loadConfig } from '../src/config/config';
import { createDataSource, dropDatabase, ensureDatabase } from '../src/database/data-source';
import { connectRedis, dataServers } from '../src/redis/connections';

/**
 * A real API on a real MySQL database and Redis key prefix of its own, listening on
 * an ephemeral port. Each test file gets one and removes it afterwards.
 */
export interface TestApi {
  url: string;
  config: AppConfig;
  app: NestExpressApplication;
  db: DataSource;
  redis: Redis;
  /** Logs in with the password and returns a client that sends the session cookie. */
  login(username: string, password?: string): Promise<Client>;
  anonymous(): Client;
  close(): Promise<void>;
}

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

/** A response with its body parsed as JSON where it is JSON, kept as text otherwise. */
export async function readReply<T = any>(res: Response): Promise<Reply<T>> {
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, body: parsed, headers: res.headers, text };
}

export class Client {
  constructor(
    readonly baseUrl: string,
    public cookie?: string,
  ) {}

  async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
    const isText = typeof body === 'string';
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...(body !== undefined && { 'content-type': isText ? 'text/csv' : 'application/json' }),
        ...(this.cookie && { cookie: this.cookie }),
        // What a browser on the console's own page sends with every change.
        ...(method !== 'GET' && method !== 'HEAD' && { origin: this.baseUrl }),
        ...headers,
      },
      body: body === undefined ? undefined : isText ? body : JSON.stringify(body),
    });
    return readReply<T>(res);
  }
  get<T = any>(path: string) {
    return this.request<T>('GET', path);
  }
  post<T = any>(path: string, body?: unknown) {
    return this.request<T>('POST', path, body);
  }
  patch<T = any>(path: string, body: unknown) {
    return this.request<T>('PATCH', path, body);
  }
  delete<T = any>(path: string) {
    return this.request<T>('DELETE', path);
  }
}

export function testConfig(overrides: Record<string, string> = {}): AppConfig {
  const suffix = randomBytes(4).toString('hex');
  return loadConfig({
    NODE_ENV: 'test',
    DB_HOST: process.env.DB_HOST ?? '127.0.0.1',
    DB_PORT: process.env.DB_PORT ?? '3306',
    DB_USER: process.env.DB_USER ?? 'root',
    DB_PASSWORD: process.env.DB_PASSWORD ?? '',
    DB_NAME: `wk_test_${suffix}`,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: `wk_test_${suffix}:`,
    LOG_LEVEL: 'silent',
    // No dispatch worker unless a test asks for one (ROLE=all or worker).
    ROLE: 'api',
    // Test kiosks live on loopback; their sites declare 127.0.0.0/8 where a test opens screens.
    REMOTE_ALLOW_TARGETS: '127.0.0.0/8',
    // Tests' webhook receivers listen on loopback too.
    NOTIFY_ALLOW_TARGETS: '127.0.0.0/8',
    ...overrides,
  });
}

/** Creates and migrates a fresh database for the config. */
export async function migratedDatabase(config: AppConfig): Promise<DataSource> {
  await ensureDatabase(config.db);
  const ds = createDataSource(config.db);
  await ds.initialize();
  await ds.runMigrations({ transaction: 'each' });
  return ds;
}

/**
 * `replicaOf`: a second API process of the same deployment (its database, Redis
 * prefix and session secret, given or shared through Redis), as behind a load balancer; closing it leaves the
 * database and keys to the first.
 */
export async function startTestApi(
  overrides: Record<string, string> = {},
  options: { replicaOf?: TestApi } = {},
): Promise<TestApi> {
  const first = options.replicaOf?.config;
  const config = first
    ? testConfig({
        DB_NAME: first.db.database,
        REDIS_PREFIX: first.redis.prefix,
        ...(first.session.secret && { SESSION_SECRET: first.session.secret }),
        ...overrides,
      })
    : testConfig(overrides);
  const db = first ? await createDataSource(config.db).initialize() : await migratedDatabase(config);
  const app = await createApiApp(config, createLogger('silent'));
  await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  // The deployment's Redis however it is run (server, Sentinel, Cluster), without the key prefix.
  const redis = connectRedis(config.redis, {}, 'test');
  return {
    url,
    config,
    app,
    db,
    redis,
    anonymous: () => new Client(url),
    async login(username, password = 'test-password-1') {
      const client = new Client(url);
      const res = await client.post('/api/auth/login', { username, password });
      if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status} ${res.text}`);
      client.cookie = res.headers.get('set-cookie')!.split(';')[0];
      return client;
    },
    async close() {
      await app.close();
      await db.destroy();
      if (!first) {
        await dropDatabase(config.db);
        await deleteKeys(redis, config.redis.prefix);
      }
      redis.disconnect();
    },
  };
}

/** Every key under the prefix, on each server holding data (each master of a Cluster). */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  for (const server of await dataServers(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await server.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      // One DEL per key: keys of different Cluster slots cannot share a command.
      await Promise.all(keys.map((key) => server.del(key)));
      cursor = next;
    } while (cursor !== '0');
  }
}
