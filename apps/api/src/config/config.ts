import { randomBytes } from 'node:crypto';
import { z } from 'zod';

/**
 * Every setting of the API and worker, validated once at start. Nothing else in the
 * code reads process.env: it receives an AppConfig.
 */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const port = z.coerce.number().int().min(0).max(65535);

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
    REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').default('redis://127.0.0.1:6379'),
    REDIS_PREFIX: z.string().min(1).default('wk:'),
    SESSION_SECRET: z.string().min(32, 'at least 32 characters').optional(),
    SESSION_IDLE_MINUTES: z.coerce.number().positive().default(30),
    SESSION_ABSOLUTE_HOURS: z.coerce.number().positive().default(12),
    COOKIE_SECURE: bool.default(false),
    LOGIN_RATE_LIMIT: z.coerce.number().int().positive().default(10),
    LOGIN_RATE_WINDOW_S: z.coerce.number().int().positive().default(300),
    DEMO: bool.default(false),
    WEB_DIST: z.string().optional(),
    PLAN_HORIZON_H: z.coerce.number().positive().max(72).default(26),
    DISPATCH_LEAD_S: z.coerce.number().min(0).max(600).default(60),
    COMMAND_TTL_S: z.coerce.number().positive().max(3600).default(300),
    VERIFY_AFTER_S: z
      .string()
      .regex(/^\d+(\.\d+)?(,\d+(\.\d+)?)*$/, 'comma-separated seconds, e.g. 300,600,900')
      .default('300,600,900'),
    CATCH_UP_S: z.coerce.number().min(0).default(900),
    REPAIR_INTERVAL_S: z.coerce.number().positive().default(60),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .superRefine((c, ctx) => {
    if (c.NODE_ENV === 'production' && c.DEMO) {
      ctx.addIssue({ code: 'custom', path: ['DEMO'], message: 'demo mode is not allowed with NODE_ENV=production' });
    }
    if (c.NODE_ENV === 'production' && !c.SESSION_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['SESSION_SECRET'], message: 'required with NODE_ENV=production' });
    }
  });

export interface AppConfig {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  role: 'api' | 'worker' | 'all';
  db: { host: string; port: number; user: string; password: string; database: string };
  redis: { url: string; prefix: string };
  session: { secret: string; idleMs: number; absoluteMs: number; cookieSecure: boolean };
  loginRateLimit: { attempts: number; windowS: number };
  dispatch: {
    /** How far ahead the planner keeps jobs. */
    horizonMs: number;
    /** How long before its instant a transition is delivered to the agents. */
    leadMs: number;
    /** How long a command stays deliverable after its instant. */
    commandTtlMs: number;
    /** When after the instant verification looks (the last one alerts). */
    verifyAfterMs: number[];
    /** How late a transition may still run; later it is recorded as missed. */
    catchUpMs: number;
    /** How often the periodic pass repairs the plan from MySQL. */
    repairIntervalMs: number;
  };
  demo: boolean;
  webDist?: string;
  logLevel: string;
}

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
    db: { host: c.DB_HOST, port: c.DB_PORT, user: c.DB_USER, password: c.DB_PASSWORD, database: c.DB_NAME },
    redis: { url: c.REDIS_URL, prefix: c.REDIS_PREFIX },
    session: {
      // Outside production a missing secret gets a random one: sessions then end with the process.
      secret: c.SESSION_SECRET ?? randomBytes(32).toString('hex'),
      idleMs: Math.round(c.SESSION_IDLE_MINUTES * 60_000),
      absoluteMs: Math.round(c.SESSION_ABSOLUTE_HOURS * 3_600_000),
      cookieSecure: c.COOKIE_SECURE,
    },
    loginRateLimit: { attempts: c.LOGIN_RATE_LIMIT, windowS: c.LOGIN_RATE_WINDOW_S },
    dispatch: {
      horizonMs: c.PLAN_HORIZON_H * 3_600_000,
      leadMs: c.DISPATCH_LEAD_S * 1000,
      commandTtlMs: c.COMMAND_TTL_S * 1000,
      verifyAfterMs: c.VERIFY_AFTER_S.split(',').map((s) => Math.round(Number(s) * 1000)),
      catchUpMs: c.CATCH_UP_S * 1000,
      repairIntervalMs: c.REPAIR_INTERVAL_S * 1000,
    },
    demo: c.DEMO,
    webDist: c.WEB_DIST,
    logLevel: c.LOG_LEVEL,
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');
