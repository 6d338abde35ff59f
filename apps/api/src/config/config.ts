import { isIP, isIPv4 } from 'node:net';
import { z } from 'zod';

/**
 * Every setting of the API and worker, validated once at start. Nothing else in the
 * code reads process.env: it receives an AppConfig.
 */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce.number().int().min(0).max(65535);

/** "5900-5909,5999": ports and inclusive ranges of ports. */
const portRanges = z
  .string()
  .regex(/^\s*\d{1,5}(-\d{1,5})?(\s*,\s*\d{1,5}(-\d{1,5})?)*\s*$/, 'ports and ranges, e.g. 5900-5909,5999')
  .transform((text) => text.split(',').map((part) => part.trim().split('-').map(Number)).map(([from, to = from]) => ({ from, to })))
  .refine((ranges) => ranges.every((r) => r.from >= 1 && r.to <= 65535 && r.from <= r.to), 'ports are 1-65535, ranges low-high');

const isCidr = (v: string) => /^([\d.]+)\/(\d{1,2})$/.test(v) && isIPv4(v.split('/')[0]) && Number(v.split('/')[1]) <= 32;
/** "127.0.0.0/8,10.9.0.0/16" or empty. */
const cidrList = z
  .string()
  .transform((text) => text.split(',').map((s) => s.trim()).filter(Boolean))
  .refine((list) => list.every(isCidr), 'IPv4 subnets in CIDR form, comma-separated (e.g. 127.0.0.0/8)');
/**
 * TRUST_PROXY as Express's `trust proxy` takes it: whose X-Forwarded-For names the
 * client. `false` (the socket's address), a hop count, or the proxies' addresses and
 * CIDRs. Never `true`: any client could then say who it is.
 */
function trustProxy(value: string, ctx: z.RefinementCtx): false | number | string[] {
  const given = value.trim();
  if (given === '' || given === 'false') return false;
  if (/^\d+$/.test(given)) return Number(given) || false;
  const entries = given.split(',').map((e) => e.trim());
  const bad = entries.filter((e) => !isAddressOrCidr(e));
  if (given === 'true' || bad.length) {
    ctx.addIssue({
      code: 'custom',
      message:
        given === 'true'
          ? "true would believe any client's X-Forwarded-For: give the number of proxies in front (e.g. 1) or their addresses"
          : `not an address or CIDR: ${bad.join(', ')} (false, a hop count, or a comma list of addresses/CIDRs)`,
    });
    return z.NEVER;
  }
  return entries;
}

function isAddressOrCidr(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (!version || rest.length) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128));
}
/**
 * DB_READ_HOSTS: "db-replica-1,db-replica-2:3307" (host or host:port, [IPv6]:port), or
 * empty. Each read replica's port defaults to DB_PORT.
 */
const readHosts = z
  .string()
  .transform((text) => text.split(',').map((s) => s.trim()).filter(Boolean))
  .refine((list) => list.every((h) => parseHostPort(h) !== null), 'host or host:port entries, comma-separated (e.g. db-replica-1,db-replica-2:3307)');

function parseHostPort(entry: string): { host: string; port?: number } | null {
  const bracketed = /^\[([0-9A-Fa-f:.]+)\](?::(\d{1,5}))?$/.exec(entry);
  if (bracketed) return isIP(bracketed[1]) === 6 ? withPort(bracketed[1], bracketed[2]) : null;
  if (isIP(entry) === 6) return { host: entry };
  const plain = /^([A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(entry);
  return plain ? withPort(plain[1], plain[2]) : null;
}

function withPort(host: string, port: string | undefined): { host: string; port?: number } | null {
  if (port === undefined) return { host };
  const n = Number(port);
  return n >= 1 && n <= 65535 ? { host, port: n } : null;
}

/** "host:port" or "[v6]:port"; null when it is neither. */
function hostAndPort(entry: string): { host: string; port: number } | null {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9._-]+)):(\d{1,5})$/.exec(entry);
  const port = Number(match?.[3]);
  return match && port >= 1 && port <= 65535 ? { host: match[1] ?? match[2], port } : null;
}

/** "host:port,host:port": Redis Sentinels or Cluster nodes. */
const hostPortList = z
  .string()
  .transform((text) => text.split(',').map((s) => s.trim()).filter(Boolean))
  .refine((list) => list.length > 0 && list.every((e) => hostAndPort(e)), 'host:port pairs, comma-separated (e.g. 10.0.0.5:26379,10.0.0.6:26379)')
  .transform((list) => list.map((e) => hostAndPort(e)!));

/** An empty value counts as unset (docker-compose passes `${NAME:-}` through as ""). */
const unsetIfEmpty = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema);

export const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: port.default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    ROLE: z.enum(['api', 'worker', 'all']).default('all'),
    DB_HOST: z.string().min(1).default('127.0.0.1'),
    DB_PORT: port.default(3306),
    DB_USER: z.string().min(1).default('root'),
    DB_PASSWORD: z.string().default(''),
    DB_NAME: z
      .string()
      .regex(/^[A-Za-z0-9_]{1,64}$/, 'letters, digits and _ only')
      .default('wakeward'),
    /** MySQL connections per process: requests queue for one when all are busy. */
    DB_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(20),
    /** Read replicas for reads that tolerate lag (lists, audit, charts); empty: the primary serves everything. */
    DB_READ_HOSTS: readHosts.prefault(''),
    /** The replicas' account, when it is not DB_USER / DB_PASSWORD (a read-only one, say). */
    DB_READ_USER: unsetIfEmpty(z.string().min(1).optional()),
    DB_READ_PASSWORD: unsetIfEmpty(z.string().optional()),
    REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').default('redis://127.0.0.1:6379'),
    REDIS_PREFIX: z.string().min(1).default('wk:'),
    /** Sentinel: where the Sentinels listen and the name of the master group they watch; REDIS_URL then gives only password, db and TLS. */
    REDIS_SENTINELS: unsetIfEmpty(hostPortList.optional()),
    REDIS_SENTINEL_NAME: unsetIfEmpty(z.string().regex(/^[^\s]+$/, 'one word, the name in "sentinel monitor <name> ..."').optional()),
    /** Only when the Sentinels themselves ask for a password (requirepass in sentinel.conf). */
    REDIS_SENTINEL_PASSWORD: unsetIfEmpty(z.string().optional()),
    /** Redis Cluster: some of its nodes (the client learns the rest); REDIS_URL then gives only password and TLS. */
    REDIS_CLUSTER_NODES: unsetIfEmpty(hostPortList.optional()),
    SESSION_SECRET: z.string().min(32, 'at least 32 characters').optional(),
    SESSION_IDLE_MINUTES: z.coerce.number().positive().default(30),
    SESSION_ABSOLUTE_HOURS: z.coerce.number().positive().default(12),
    /** `auto`: Secure when the request came over HTTPS (directly, or by a trusted proxy's X-Forwarded-Proto). */
    COOKIE_SECURE: z
      .enum(['auto', 'true', 'false', '1', '0', 'yes', 'no'])
      .transform((v) => (v === 'auto' ? v : v === 'true' || v === '1' || v === 'yes'))
      .default('auto'),
    /** Where the console is served from, as browsers name it (scheme://host[:port]), comma-separated. */
    PUBLIC_ORIGIN: unsetIfEmpty(
      z
        .string()
        .refine((v) => v.split(',').every((o) => isOrigin(o.trim())), 'comma-separated origins such as https://wakeward.example.org (no path)')
        .optional(),
    ),
    /** Prometheus sends it as a bearer token; without it /metrics is not served. */
    METRICS_TOKEN: unsetIfEmpty(z.string().min(16, 'at least 16 characters').optional()),
    /** OpenAPI at /api/docs; default on outside production. */
    API_DOCS: bool.optional(),
    LOGIN_RATE_LIMIT: z.coerce.number().int().positive().default(10),
    LOGIN_RATE_WINDOW_S: z.coerce.number().int().positive().default(300),
    TRUST_PROXY: z.string().default('false').transform(trustProxy),
    DEMO: bool.default(false),
    WEB_DIST: z.string().optional(),
    AGENT_PROBE_INTERVAL_S: z.coerce.number().positive().max(3600).default(30),
    AGENT_READING_INTERVAL_S: z.coerce.number().positive().max(3600).default(60),
    /** How long an API process trusts an agent token it has looked up; 0 looks it up on every request. */
    AGENT_AUTH_CACHE_S: z.coerce.number().min(0).max(3600).default(60),
    PLAN_HORIZON_H: z.coerce.number().positive().max(72).default(26),
    DISPATCH_LEAD_S: z.coerce.number().min(0).max(600).default(60),
    DISPATCH_LEAD_PER_SITE_MS: z.coerce.number().min(0).max(1000).default(20),
    COMMAND_TTL_S: z.coerce.number().positive().max(3600).default(300),
    VERIFY_AFTER_S: z
      .string()
      .regex(/^\d+(\.\d+)?(,\d+(\.\d+)?)*$/, 'comma-separated seconds, e.g. 300,600,900')
      .default('300,600,900'),
    CATCH_UP_S: z.coerce.number().min(0).default(900),
    REPAIR_INTERVAL_S: z.coerce.number().positive().default(60),
    TELEMETRY_RAW_RETENTION_DAYS: z.coerce.number().int().min(1).default(30),
    TELEMETRY_5M_RETENTION_DAYS: z.coerce.number().int().min(1).default(365),
    TELEMETRY_1H_RETENTION_DAYS: z.coerce.number().int().min(0).default(0),
    TELEMETRY_ROLLUP_INTERVAL_S: z.coerce.number().positive().default(60),
    TELEMETRY_EVALUATE_INTERVAL_S: z.coerce.number().positive().default(30),
    TELEMETRY_RETENTION_INTERVAL_S: z.coerce.number().positive().default(3600),
    TELEMETRY_DELETE_BATCH: z.coerce.number().int().min(100).max(50_000).default(5000),
    TELEMETRY_DELETE_PAUSE_MS: z.coerce.number().int().min(0).default(200),
    TELEMETRY_PARTITIONS_AHEAD_DAYS: z.coerce.number().int().min(1).max(60).default(3),
    TELEMETRY_WEBHOOK_URL: z.string().url().regex(/^https?:\/\//, 'must be an http(s) URL').optional(),
    TELEMETRY_WEBHOOK_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
    TELEMETRY_WEBHOOK_BACKOFF_MS: z.coerce.number().int().min(1).default(5000),
    TELEMETRY_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),
    /** An enrolled agent without a heartbeat this long is an `agent_offline` alert. */
    AGENT_OFFLINE_ALERT_AFTER_S: z.coerce.number().int().min(60).max(86_400).default(300),
    /** How often the worker looks for offline agents and sites whose agents came back. */
    ALERT_CHECK_INTERVAL_S: z.coerce.number().positive().max(3600).default(30),
    NOTIFY_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
    NOTIFY_BACKOFF_MS: z.coerce.number().int().min(1).default(5000),
    NOTIFY_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
    /** Private, loopback or this host's addresses notification webhooks may reach anyway (a hospital's own paging). */
    NOTIFY_ALLOW_TARGETS: cidrList.prefault(''),
    /** smtp://user:pass@host:587 (STARTTLS when offered) or smtps://host:465; without it e-mail channels fail. */
    SMTP_URL: unsetIfEmpty(z.string().regex(/^smtps?:\/\/[^\s]+$/, 'must be smtp://[user:pass@]host[:port] or smtps://...').optional()),
    SMTP_FROM: z.string().min(3).max(200).regex(/^[^\r\n]+$/, 'one line').default('Wakeward <wakeward@localhost>'),
    REMOTE_TICKET_TTL_S: z.coerce.number().int().min(1).max(300).default(30),
    REMOTE_MAX_VIEWERS_PER_SITE: z.coerce.number().int().min(1).max(1000).default(4),
    REMOTE_IDLE_TIMEOUT_S: z.coerce.number().positive().default(600),
    REMOTE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
    /** Pings on agents' relay channels and on relay hops between replicas; a peer silent for a whole interval is dropped. */
    REMOTE_PING_INTERVAL_S: z.coerce.number().min(0.05).max(3600).default(30),
    REMOTE_COMPRESSION_LEVEL: z.coerce.number().int().min(0).max(9).default(6),
    REMOTE_QUALITY_LEVEL: z.coerce.number().int().min(0).max(9).default(4),
    /** The only ports the screen relay connects to: kiosks' VNC servers. */
    REMOTE_VNC_PORTS: portRanges.prefault('5900-5909'),
    /** Special-use ranges or this host's addresses the relay may reach anyway (loopback demo and test kiosks). */
    REMOTE_ALLOW_TARGETS: cidrList.prefault(''),
    /** How other API replicas reach this one (the screen relay's hop); default: this host's first IPv4 and PORT. */
    REPLICA_URL: unsetIfEmpty(
      z
        .string()
        .regex(/^https?:\/\/[^/\s]+\/?$/, 'http(s)://host:port, no path (how the other replicas reach this one)')
        .optional(),
    ),
    /** How often a replica announces itself in Redis and renews its relay channels there. */
    REPLICA_HEARTBEAT_S: z.coerce.number().positive().max(300).default(10),
    /** How often a replica compares its relay channels with its fair share and hands back the surplus. */
    RELAY_REBALANCE_INTERVAL_S: z.coerce.number().positive().max(3600).default(60),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** ROLE=worker touches this file every 10 s, for a liveness check of its age (a worker has no HTTP). */
    WORKER_ALIVE_FILE: unsetIfEmpty(z.string().regex(/^\//, 'an absolute path, e.g. /tmp/wakeward-worker-alive').optional()),
    /** Test only: this process's clock runs this many seconds ahead (fault tests compress hours into seconds). */
    TEST_CLOCK_OFFSET_S: z.coerce.number().finite().default(0),
  })
  .superRefine((c, ctx) => {
    if (c.TEST_CLOCK_OFFSET_S && c.NODE_ENV !== 'test') {
      ctx.addIssue({ code: 'custom', path: ['TEST_CLOCK_OFFSET_S'], message: 'only with NODE_ENV=test: it moves this process\'s clock; leave it unset' });
    }
    if (c.NODE_ENV === 'production' && c.DEMO) {
      ctx.addIssue({ code: 'custom', path: ['DEMO'], message: 'demo mode is not allowed with NODE_ENV=production' });
    }
    if (c.NODE_ENV === 'production' && !c.SESSION_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['SESSION_SECRET'], message: 'required with NODE_ENV=production' });
    }
    // The deployment examples' placeholders (.env.example, deploy/kubernetes/secret.yaml) are long enough to pass.
    if (c.NODE_ENV === 'production' && c.SESSION_SECRET && /change-me|replace-me/i.test(c.SESSION_SECRET)) {
      ctx.addIssue({ code: 'custom', path: ['SESSION_SECRET'], message: 'still the example placeholder: set 32+ random characters (e.g. openssl rand -hex 32)' });
    }
    // The Kubernetes example's METRICS_TOKEN is a placeholder too: anyone reading the repository would know it.
    if (c.NODE_ENV === 'production' && c.METRICS_TOKEN && /change-me|replace-me/i.test(c.METRICS_TOKEN)) {
      ctx.addIssue({ code: 'custom', path: ['METRICS_TOKEN'], message: 'still the example placeholder: set 16+ random characters (e.g. openssl rand -hex 16), or leave it unset' });
    }
    if (c.NODE_ENV === 'production' && c.REMOTE_ALLOW_TARGETS.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['REMOTE_ALLOW_TARGETS'],
        message: 'not allowed with NODE_ENV=production: it lets screen relays reach loopback, link-local or this host; leave it empty',
      });
    }
    // Loopback, link-local and "this network" stay out of reach in production: a
    // webhook URL set by ops must never become a way into this host or a cloud's metadata.
    const inner = c.NOTIFY_ALLOW_TARGETS.filter((cidr) => ['127.0.0.0/8', '169.254.0.0/16', '0.0.0.0/8'].some((r) => cidrsOverlap(cidr, r)));
    if (c.NODE_ENV === 'production' && inner.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['NOTIFY_ALLOW_TARGETS'],
        message: `with NODE_ENV=production only private subnets (e.g. 10.20.0.0/16): ${inner.join(', ')} reach loopback, link-local or "this network"`,
      });
    }
    if (c.REDIS_SENTINELS && !c.REDIS_SENTINEL_NAME) {
      ctx.addIssue({ code: 'custom', path: ['REDIS_SENTINEL_NAME'], message: 'required with REDIS_SENTINELS: the master group name of "sentinel monitor <name> ..."' });
    }
    if (c.REDIS_SENTINEL_NAME && !c.REDIS_SENTINELS) {
      ctx.addIssue({ code: 'custom', path: ['REDIS_SENTINELS'], message: 'required with REDIS_SENTINEL_NAME: the Sentinels\' host:port list' });
    }
    if (c.REDIS_SENTINEL_PASSWORD !== undefined && !c.REDIS_SENTINELS) {
      ctx.addIssue({ code: 'custom', path: ['REDIS_SENTINEL_PASSWORD'], message: 'only with REDIS_SENTINELS and REDIS_SENTINEL_NAME' });
    }
    if (c.REDIS_CLUSTER_NODES && (c.REDIS_SENTINELS || c.REDIS_SENTINEL_NAME)) {
      ctx.addIssue({ code: 'custom', path: ['REDIS_CLUSTER_NODES'], message: 'Sentinel or Cluster, not both: unset REDIS_SENTINELS/REDIS_SENTINEL_NAME or REDIS_CLUSTER_NODES' });
    }
    if (c.REDIS_CLUSTER_NODES && redisDatabase(c.REDIS_URL) !== 0) {
      ctx.addIssue({ code: 'custom', path: ['REDIS_URL'], message: 'a Redis Cluster has only database 0: drop the /<db> from REDIS_URL' });
    }
    // Hourly rollups are computed from 5-minute ones, which are computed from raw readings.
    if (c.TELEMETRY_5M_RETENTION_DAYS < c.TELEMETRY_RAW_RETENTION_DAYS) {
      ctx.addIssue({ code: 'custom', path: ['TELEMETRY_5M_RETENTION_DAYS'], message: 'must be at least TELEMETRY_RAW_RETENTION_DAYS' });
    }
    if (c.TELEMETRY_1H_RETENTION_DAYS && c.TELEMETRY_1H_RETENTION_DAYS < c.TELEMETRY_5M_RETENTION_DAYS) {
      ctx.addIssue({ code: 'custom', path: ['TELEMETRY_1H_RETENTION_DAYS'], message: 'must be 0 (forever) or at least TELEMETRY_5M_RETENTION_DAYS' });
    }
  });

export interface AppConfig {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  role: 'api' | 'worker' | 'all';
  db: {
    host: string;
    port: number;
    user: string;
    password: string;
    database: string;
    poolSize?: number;
    /** DB_READ_HOSTS: replicas for the reads that tolerate lag (Database.onReadReplica); none: all on the primary. */
    readReplicas?: Array<{ host: string; port: number; user: string; password: string }>;
  };
  redis: {
    url: string;
    /**
     * Before every key, channel and BullMQ queue of the deployment. With a Cluster it is
     * a hash tag (`{wk:}`), so that each MULTI and script finds its keys in one slot.
     */
    prefix: string;
    /** How to reach Redis: REDIS_URL's server, the master named by Sentinels, or a Cluster. */
    topology: RedisTopology;
  };
  /**
   * `secret`: SESSION_SECRET, or null outside production without it: the replicas then
   * share one drawn once and kept in Redis (sessions/session-secret.ts).
   */
  session: { secret: string | null; idleMs: number; absoluteMs: number; cookieSecure: boolean | 'auto' };
  loginRateLimit: { attempts: number; windowS: number };
  /** Express's `trust proxy` (TRUST_PROXY): which proxies' X-Forwarded-For gives the client's address. */
  trustProxy: false | number | string[];
  /** What the HTTP edge accepts and shows (README "Configuration"). */
  http: {
    /** Origins whose pages may change things with the session cookie; null: the origin of each request's own Host. */
    publicOrigins: string[] | null;
    /** OpenAPI at /api/docs and /api/docs-json. */
    apiDocs: boolean;
    /** The bearer token of /metrics; null: /metrics answers 404. */
    metricsToken: string | null;
  };
  /** What the heartbeat answer tells agents (PROTOCOL.md "Heartbeat"). */
  agents: { probeIntervalS: number; readingIntervalS: number; authCacheMs: number };
  dispatch: {
    /** How far ahead the planner keeps jobs. */
    horizonMs: number;
    /** How long before its instant a transition is delivered to the agents (the first site's). */
    leadMs: number;
    /**
     * Added to the lead for each further site due at the same instant, so a fleet-wide
     * instant starts its fan-out early enough and spreads it: about one transition
     * job's time on one worker.
     */
    leadPerSiteMs: number;
    /** How long a command stays deliverable after its instant. */
    commandTtlMs: number;
    /** When after the instant verification looks (the last one alerts). */
    verifyAfterMs: number[];
    /** How late a transition may still run; later it is recorded as missed. */
    catchUpMs: number;
    /** How often the periodic pass repairs the plan from MySQL. */
    repairIntervalMs: number;
  };
  telemetry: {
    /** How long raw readings, 5-minute and hourly rollups are kept (hourly: null = forever). */
    retentionDays: { raw: number; fiveMinute: number; hourly: number | null };
    rollupIntervalMs: number;
    evaluateIntervalMs: number;
    retentionIntervalMs: number;
    /** Rows per DELETE transaction, and the pause between two. */
    deleteBatch: number;
    deletePauseMs: number;
    partitionsAheadDays: number;
    /** Global alert webhook; a site's thresholds may name their own. */
    webhookUrl?: string;
    webhookAttempts: number;
    webhookBackoffMs: number;
    webhookTimeoutMs: number;
  };
  alerts: {
    /** An enrolled agent silent this long gets an `agent_offline` alert. */
    agentOfflineAfterMs: number;
    /** Period of the worker's check for offline agents and sites whose agents returned. */
    checkIntervalMs: number;
  };
  /** Notification channels (README "Notifications"): deliveries, retries, where webhooks may go, SMTP. */
  notifications: {
    attempts: number;
    backoffMs: number;
    timeoutMs: number;
    /** Subnets a webhook may reach although they are private, loopback or this host's (NOTIFY_ALLOW_TARGETS). */
    allowTargets: string[];
    smtpUrl: string | null;
    smtpFrom: string;
  };
  /** This process among several API replicas (README "Running several replicas"). */
  replica: {
    /**
     * How the other replicas reach this one: the screen relay's hop between replicas.
     * null: where the server listens once it does (its address, or the host's first
     * non-internal IPv4 when it listens on every address, and the port it got).
     */
    url: string | null;
    /** Period of the replica's announcement in Redis; it counts as gone after three missed. */
    heartbeatMs: number;
    /** Period of the check that hands surplus idle relay channels back to the balancer. */
    rebalanceIntervalMs: number;
  };
  remote: {
    /** How long a screen ticket may wait before it is redeemed (once). */
    ticketTtlMs: number;
    /** Concurrent screen sessions per site: a leased line carries ~1 Mbit/s per viewer. */
    maxViewersPerSite: number;
    /** A session without viewer input (or activity from the console) this long is closed. */
    idleTimeoutMs: number;
    /** TCP connect to a kiosk's VNC port, directly or by an agent. */
    connectTimeoutMs: number;
    /** Agents' relay channels and relay hops are pinged this often; one that does not answer by the next ping is cut. */
    pingIntervalMs: number;
    /** noVNC defaults sent with each ticket: Tight compression 0-9, JPEG quality 0-9 (lower = fewer colours, fewer bytes). */
    compressionLevel: number;
    qualityLevel: number;
    /** Ports the relay may connect to (REMOTE_VNC_PORTS), inclusive ranges. */
    vncPorts: Array<{ from: number; to: number }>;
    /**
     * Subnets the relay may reach although they are special-use (loopback, link-local...)
     * or this host's own addresses: the demo's and tests' loopback kiosks. Never in production.
     */
    allowTargets: string[];
  };
  demo: boolean;
  webDist?: string;
  logLevel: string;
  /** WORKER_ALIVE_FILE: the file a worker process keeps touching (null: none). */
  workerAliveFile: string | null;
  /** TEST_CLOCK_OFFSET_S: how far ahead this process's clock runs (tests only; 0 elsewhere). */
  testClockOffsetMs: number;
}

export interface RedisNode {
  host: string;
  port: number;
}

export type RedisTopology =
  | { kind: 'server' }
  | { kind: 'sentinel'; sentinels: RedisNode[]; masterName: string; sentinelPassword: string | null }
  | { kind: 'cluster'; nodes: RedisNode[] };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  const c = parsed.data;
  return {
    env: c.NODE_ENV,
    port: c.PORT,
    host: c.HOST,
    role: c.ROLE,
    db: {
      host: c.DB_HOST,
      port: c.DB_PORT,
      user: c.DB_USER,
      password: c.DB_PASSWORD,
      database: c.DB_NAME,
      poolSize: c.DB_POOL_SIZE,
      readReplicas: c.DB_READ_HOSTS.map((entry) => {
        const { host, port } = parseHostPort(entry)!;
        return { host, port: port ?? c.DB_PORT, user: c.DB_READ_USER ?? c.DB_USER, password: c.DB_READ_PASSWORD ?? c.DB_PASSWORD };
      }),
    },
    redis: {
      url: c.REDIS_URL,
      prefix: c.REDIS_CLUSTER_NODES ? clusterPrefix(c.REDIS_PREFIX) : c.REDIS_PREFIX,
      topology: c.REDIS_SENTINELS
        ? { kind: 'sentinel', sentinels: c.REDIS_SENTINELS, masterName: c.REDIS_SENTINEL_NAME!, sentinelPassword: c.REDIS_SENTINEL_PASSWORD ?? null }
        : c.REDIS_CLUSTER_NODES
          ? { kind: 'cluster', nodes: c.REDIS_CLUSTER_NODES }
          : { kind: 'server' },
    },
    session: {
      secret: c.SESSION_SECRET ?? null,
      idleMs: Math.round(c.SESSION_IDLE_MINUTES * 60_000),
      absoluteMs: Math.round(c.SESSION_ABSOLUTE_HOURS * 3_600_000),
      cookieSecure: c.COOKIE_SECURE,
    },
    loginRateLimit: { attempts: c.LOGIN_RATE_LIMIT, windowS: c.LOGIN_RATE_WINDOW_S },
    trustProxy: c.TRUST_PROXY,
    http: {
      publicOrigins: c.PUBLIC_ORIGIN ? c.PUBLIC_ORIGIN.split(',').map((o) => new URL(o.trim()).origin) : null,
      apiDocs: c.API_DOCS ?? c.NODE_ENV !== 'production',
      metricsToken: c.METRICS_TOKEN ?? null,
    },
    agents: {
      probeIntervalS: c.AGENT_PROBE_INTERVAL_S,
      readingIntervalS: c.AGENT_READING_INTERVAL_S,
      authCacheMs: c.AGENT_AUTH_CACHE_S * 1000,
    },
    dispatch: {
      horizonMs: c.PLAN_HORIZON_H * 3_600_000,
      leadMs: c.DISPATCH_LEAD_S * 1000,
      leadPerSiteMs: c.DISPATCH_LEAD_PER_SITE_MS,
      commandTtlMs: c.COMMAND_TTL_S * 1000,
      verifyAfterMs: c.VERIFY_AFTER_S.split(',').map((s) => Math.round(Number(s) * 1000)),
      catchUpMs: c.CATCH_UP_S * 1000,
      repairIntervalMs: c.REPAIR_INTERVAL_S * 1000,
    },
    telemetry: {
      retentionDays: { raw: c.TELEMETRY_RAW_RETENTION_DAYS, fiveMinute: c.TELEMETRY_5M_RETENTION_DAYS, hourly: c.TELEMETRY_1H_RETENTION_DAYS || null },
      rollupIntervalMs: c.TELEMETRY_ROLLUP_INTERVAL_S * 1000,
      evaluateIntervalMs: c.TELEMETRY_EVALUATE_INTERVAL_S * 1000,
      retentionIntervalMs: c.TELEMETRY_RETENTION_INTERVAL_S * 1000,
      deleteBatch: c.TELEMETRY_DELETE_BATCH,
      deletePauseMs: c.TELEMETRY_DELETE_PAUSE_MS,
      partitionsAheadDays: c.TELEMETRY_PARTITIONS_AHEAD_DAYS,
      webhookUrl: c.TELEMETRY_WEBHOOK_URL,
      webhookAttempts: c.TELEMETRY_WEBHOOK_ATTEMPTS,
      webhookBackoffMs: c.TELEMETRY_WEBHOOK_BACKOFF_MS,
      webhookTimeoutMs: c.TELEMETRY_WEBHOOK_TIMEOUT_MS,
    },
    alerts: { agentOfflineAfterMs: c.AGENT_OFFLINE_ALERT_AFTER_S * 1000, checkIntervalMs: Math.round(c.ALERT_CHECK_INTERVAL_S * 1000) },
    notifications: {
      attempts: c.NOTIFY_ATTEMPTS,
      backoffMs: c.NOTIFY_BACKOFF_MS,
      timeoutMs: c.NOTIFY_TIMEOUT_MS,
      allowTargets: c.NOTIFY_ALLOW_TARGETS,
      smtpUrl: c.SMTP_URL ?? null,
      smtpFrom: c.SMTP_FROM,
    },
    replica: {
      url: c.REPLICA_URL ? c.REPLICA_URL.replace(/\/$/, '') : null,
      heartbeatMs: Math.round(c.REPLICA_HEARTBEAT_S * 1000),
      rebalanceIntervalMs: Math.round(c.RELAY_REBALANCE_INTERVAL_S * 1000),
    },
    remote: {
      ticketTtlMs: c.REMOTE_TICKET_TTL_S * 1000,
      maxViewersPerSite: c.REMOTE_MAX_VIEWERS_PER_SITE,
      idleTimeoutMs: Math.round(c.REMOTE_IDLE_TIMEOUT_S * 1000),
      connectTimeoutMs: c.REMOTE_CONNECT_TIMEOUT_MS,
      pingIntervalMs: Math.round(c.REMOTE_PING_INTERVAL_S * 1000),
      compressionLevel: c.REMOTE_COMPRESSION_LEVEL,
      qualityLevel: c.REMOTE_QUALITY_LEVEL,
      vncPorts: c.REMOTE_VNC_PORTS,
      allowTargets: c.REMOTE_ALLOW_TARGETS,
    },
    demo: c.DEMO,
    webDist: c.WEB_DIST,
    logLevel: c.LOG_LEVEL,
    workerAliveFile: c.WORKER_ALIVE_FILE ?? null,
    testClockOffsetMs: Math.round(c.TEST_CLOCK_OFFSET_S * 1000),
  };
}

/** Settings that start but deserve a word in the log (production only). */
export function configWarnings(config: AppConfig): string[] {
  if (config.env !== 'production') return [];
  const warnings: string[] = [];
  if (!config.http.publicOrigins) {
    warnings.push('PUBLIC_ORIGIN is not set: the console is trusted on whatever origin its Host header names; set it to the address users open');
  } else if (config.http.publicOrigins.some((o) => o.startsWith('http:'))) {
    warnings.push('PUBLIC_ORIGIN names a plain http:// origin: serve the console over HTTPS');
  }
  if (config.session.cookieSecure === false) {
    warnings.push(
      'COOKIE_SECURE=false: the session cookie is sent over plain HTTP too; leave it auto (or true) when the console is served over HTTPS',
    );
  }
  return warnings;
}

/**
 * The prefix as a hash tag, unless it has one already: every key of the deployment
 * in one Cluster slot. Only a Cluster gets it, so the keys and queued jobs of a
 * deployment on a plain Redis or Sentinel keep their names.
 */
function clusterPrefix(prefix: string): string {
  return /\{[^}]+\}/.test(prefix) ? prefix : `{${prefix}}`;
}

function redisDatabase(url: string): number {
  try {
    return Number(new URL(url).pathname.slice(1) || 0);
  } catch {
    return 0;
  }
}

/** Whether two IPv4 CIDR blocks share an address. */
function cidrsOverlap(a: string, b: string): boolean {
  const range = (cidr: string) => {
    const [ip, bits] = cidr.split('/');
    const start = ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
    const size = 2 ** (32 - Number(bits));
    const first = Math.floor(start / size) * size;
    return [first, first + size - 1];
  };
  const [a1, a2] = range(a);
  const [b1, b2] = range(b);
  return a1 <= b2 && b1 <= a2;
}

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value.replace(/\/$/, '').toLowerCase();
  } catch {
    return false;
  }
}

export const APP_CONFIG = Symbol('APP_CONFIG');
