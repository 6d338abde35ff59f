/**
 * What the dispatch bench runs on, started and stopped as one: a fresh MySQL database
 * (migrated with the API's migrations, seeded by seed.ts, dropped at the end) and a
 * Redis prefix (keys deleted at the end); the kiosks' receiver; the built API
 * (ROLE=api) and WORKERS dispatch workers (ROLE=worker), or one ROLE=all process; the
 * floor's sender. Agents' state directories on tmpfs, removed at the end.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { spawnReceiver, type Child } from '../child';
import { spawnRole } from './roles';
import { seedFleet, type SeededFleet } from './seed';
import { DIST, KIOSKS_PER_SITE, LEAD_PER_SITE_MS, LEAD_S, LOOPBACK, SITES, sleep, WORKERS } from './settings';

type Db = { query: (sql: string, params?: unknown[]) => Promise<any>; destroy: () => Promise<void> };

export class FleetStack {
  readonly children: Child[] = [];
  readonly stateRoot = fs.mkdtempSync(join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'wk-bench-agents-'));
  /** The environment of the API and worker processes. */
  readonly env: Record<string, string>;
  seed!: SeededFleet;
  db?: Db;
  kiosks!: Child;
  basePort!: number;
  server!: Child;
  workers: Child[] = [];
  /** The processes whose planner and dispatcher do the work: the workers, or the ROLE=all API. */
  dispatchers: Child[] = [];
  floor!: Child;
  apiUrl = '';
  private readonly api = apiInternals();
  private readonly config: any;
  private readonly stops: Array<() => Promise<void>> = [];
  private stopping?: Promise<void>;

  constructor() {
    const suffix = randomBytes(4).toString('hex');
    this.env = {
      NODE_ENV: 'test',
      ROLE: WORKERS > 0 ? 'api' : 'all',
      HOST: LOOPBACK,
      DB_HOST: process.env.DB_HOST ?? '127.0.0.1',
      DB_PORT: process.env.DB_PORT ?? '3306',
      DB_USER: process.env.DB_USER ?? 'root',
      DB_PASSWORD: process.env.DB_PASSWORD ?? '',
      DB_NAME: `wk_bench_${suffix}`,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_PREFIX: `wk_bench_${suffix}:`,
      LOG_LEVEL: 'error',
      DISPATCH_LEAD_S: String(LEAD_S),
      DISPATCH_LEAD_PER_SITE_MS: String(LEAD_PER_SITE_MS),
      // The periodic repair pass (default every 60 s, every site) is kept out of the
      // measured minutes; the pass at start and the re-plan on the rule edit plan the instant.
      REPAIR_INTERVAL_S: '900',
      // No probe or reading rounds during the run (the agents' own intervals too).
      AGENT_PROBE_INTERVAL_S: '3600',
      AGENT_READING_INTERVAL_S: '3600',
    };
    this.config = this.api.loadConfig(this.env);
  }

  get databaseName(): string {
    return this.config.db.database;
  }

  /** Runs `stop` first when the stack stops (the agents, before the API goes). */
  onStop(stop: () => Promise<void>): void {
    this.stops.push(stop);
  }

  async start(): Promise<void> {
    this.db = await this.api.migratedDatabase(this.config);
    this.seed = await seedFleet(this.db!, this.api.hashPassword);
    this.kiosks = spawnReceiver();
    this.children.push(this.kiosks);
    await this.kiosks.ready;
    ({ basePort: this.basePort } = await this.kiosks.call('start', {
      macs: this.seed.macs,
      kiosksPerSite: KIOSKS_PER_SITE,
    }));
    this.server = spawnRole('server', { ...process.env, ...this.env });
    this.workers = Array.from({ length: WORKERS }, () =>
      spawnRole('server', { ...process.env, ...this.env, ROLE: 'worker' }),
    );
    this.children.push(this.server, ...this.workers);
    this.dispatchers = WORKERS > 0 ? this.workers : [this.server];
    this.floor = spawnRole('floor');
    this.children.push(this.floor);
    await Promise.all([this.server, ...this.workers, this.floor].map((c) => c.ready));
    this.apiUrl = await this.server.call('url');
    // The workers' first repair pass (every site, at start) done before the agents come.
    while ((await this.plansMade()) < SITES) await sleep(500);
  }

  /** Site plans made so far by the dispatchers. */
  async plansMade(): Promise<number> {
    return (await Promise.all(this.dispatchers.map((w) => w.call('stats')))).reduce((n, st) => n + st.plans, 0);
  }

  /** Stops everything and removes what the run created; once, however often it is called. */
  stop(): Promise<void> {
    return (this.stopping ??= (async () => {
      for (const stop of this.stops) await stop().catch((e: Error) => console.error(`stop: ${e.message}`));
      for (const c of this.children) if (c.proc.exitCode === null && c.name !== 'server') c.proc.kill('SIGKILL');
      for (const server of this.children.filter((c) => c.name === 'server' && c.proc.exitCode === null)) {
        await Promise.race([server.call('stop').catch(() => undefined), sleep(10_000)]);
        if (server.proc.exitCode === null) server.proc.kill('SIGKILL');
      }
      await this.db?.destroy().catch(() => undefined);
      await this.api.dropDatabase(this.config.db).catch((e: Error) => console.error(`drop database: ${e.message}`));
      const redis = new this.api.Redis(this.config.redis.url);
      await this.api
        .deleteKeys(redis, this.config.redis.prefix)
        .catch((e: Error) => console.error(`redis cleanup: ${e.message}`));
      redis.disconnect();
      fs.rmSync(this.stateRoot, { recursive: true, force: true });
    })());
  }
}

/**
 * The API internals the bench relies on, from the built dist (built by the entry
 * first): its config, the test kit's migrated database and key cleanup, password hashing.
 */
function apiInternals() {
  /* eslint-disable @typescript-eslint/no-require-imports */
  require('reflect-metadata');
  return {
    loadConfig: require(join(DIST, 'config/config.js')).loadConfig,
    migratedDatabase: require(join(DIST, '../testing/test-app.js')).migratedDatabase,
    deleteKeys: require(join(DIST, '../testing/test-app.js')).deleteKeys,
    dropDatabase: require(join(DIST, 'database/data-source.js')).dropDatabase,
    hashPassword: require(join(DIST, 'users/passwords.js')).hashPassword,
    Redis: require('ioredis'),
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
}
