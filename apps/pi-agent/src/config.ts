/**
 * Every setting of the agent, validated once at start. Nothing else reads
 * process.env. Sources, later wins: defaults < JSON file (`--config` or
 * WAKEWARD_CONFIG) < environment variables (see ENV_VARS). An invalid setting
 * stops the agent with a message naming it and where it came from.
 */
import fs from 'node:fs';
import os from 'node:os';
import { z } from 'zod';

const port = z.number().int().min(1).max(65535);
const ip = z.union([z.ipv4(), z.ipv6()]);
const cidr = z.cidrv4();

/**
 * The kiosk fields a shutdown template may use, each validated before it is
 * substituted (commands/shutdown.ts). Free text such as the kiosk's name is not one:
 * `ssh` joins its remote arguments into a shell line on the kiosk.
 */
export const SHUTDOWN_PLACEHOLDERS = ['kioskId', 'code', 'ip', 'mac', 'broadcast'] as const;
export type ShutdownPlaceholder = (typeof SHUTDOWN_PLACEHOLDERS)[number];
const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9_]*)\}/g;

/** Every `{name}` in a template, in order; `{ name }` (with spaces) is not a placeholder. */
export function templatePlaceholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

const template = z.string().superRefine((value, ctx) => {
  for (const name of templatePlaceholders(value)) {
    if (!(SHUTDOWN_PLACEHOLDERS as readonly string[]).includes(name))
      ctx.addIssue({
        code: 'custom',
        message: `unknown placeholder {${name}}; a template may use ${SHUTDOWN_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
      });
  }
});

const ExecShutdownSchema = z.strictObject({
  kind: z.literal('exec'),
  /** argv; `{placeholder}`s are replaced inside each element, never parsed by a shell. */
  argv: z
    .array(template)
    .min(1)
    .refine((argv) => templatePlaceholders(argv[0] ?? '').length === 0, 'the program (argv[0]) takes no placeholder'),
  timeoutMs: z.number().int().positive().default(30_000),
});
const HttpShutdownSchema = z.strictObject({
  kind: z.literal('http'),
  method: z.enum(['GET', 'POST', 'PUT', 'DELETE']).default('POST'),
  /** URL template; placeholders are URL-encoded when substituted. */
  url: template.refine((url) => /^https?:\/\//i.test(url), 'must start with http:// or https://'),
  headers: z.record(z.string(), z.string()).default({}),
  /** Body template; placeholders are JSON-string-escaped when substituted. */
  body: template.optional(),
  timeoutMs: z.number().int().positive().default(10_000),
});
export const ShutdownMethodSchema = z.discriminatedUnion('kind', [ExecShutdownSchema, HttpShutdownSchema]);
export type ShutdownMethod = z.infer<typeof ShutdownMethodSchema>;

const Dht11Schema = z.strictObject({
  /** Where the kernel IIO devices live; tests point this at a temp directory. */
  iioBase: z.string().default('/sys/bus/iio/devices'),
  /** Device directory name (e.g. iio:device0); found by its `name` file when absent. */
  device: z.string().optional(),
  deviceName: z.string().default('dht11'),
  /** The DHT11 fails often (EIO/ETIMEDOUT); the kernel caches a read for 2 s. */
  attempts: z.number().int().min(1).max(10).default(4),
  retryDelayMs: z.number().int().min(0).default(2_100),
});
const Mq2Schema = z.strictObject({
  adc: z
    .strictObject({
      iioBase: z.string().default('/sys/bus/iio/devices'),
      device: z.string().optional(),
      deviceName: z.string().default('mcp3008'),
      channel: z.number().int().min(0).max(7).default(0),
    })
    .optional(),
  alarm: z
    .strictObject({
      /** The MQ-2 module's DO pin, e.g. /sys/class/gpio/gpio17/value. */
      path: z.string(),
      /** Most MQ-2 boards pull DO low when gas is over the trimmer threshold. */
      activeLow: z.boolean().default(true),
    })
    .optional(),
});
const SimulatedSensorSchema = z.strictObject({
  seed: z.number().int().default(42),
  meanTempC: z.number().default(24),
  dailySwingC: z.number().default(3),
  meanHumidityPct: z.number().default(45),
  smokeBaselineRaw: z.number().int().default(120),
  event: z
    .strictObject({
      kind: z.enum(['heat', 'smoke']),
      startsAt: z.iso.datetime({ offset: true }),
      durationMin: z.number().positive().default(15),
    })
    .optional(),
});

export const AgentConfigSchema = z.strictObject({
  /** API base URL; the agent appends /api/agent/v1. */
  apiUrl: z.url({ protocol: /^https?$/ }),
  /** Token, buffers, plan cache. The only writable path under systemd. */
  stateDir: z.string().min(1).default('/var/lib/wakeward-agent'),
  /** Overrides the token file (tests, containers). */
  token: z.string().min(1).optional(),
  /** Checked here as the API checks it, so a bad name fails before enrolment. */
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, '1-100 letters, digits, ., - or _ (e.g. pi-3)')
    .default(os.hostname().slice(0, 100)),
  subnets: z.array(z.string()).default([]),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  http: z
    .strictObject({
      requestTimeoutMs: z.number().int().positive().default(15_000),
      longPollWaitS: z.number().int().min(0).max(30).default(25),
      backoffInitialMs: z.number().int().positive().default(1_000),
      backoffMaxMs: z.number().int().positive().default(60_000),
      /**
       * The long poll's own ceiling, below backoffMaxMs: commands arrive about a minute
       * before their instant (the API's DISPATCH_LEAD_S), and a poll that waited as long
       * as the lead after a run of failures could take its command only after the instant.
       */
      commandsBackoffMaxMs: z.number().int().positive().default(10_000),
      /**
       * A command's result is posted at a random moment within this many ms after the
       * command finishes (it is on disk at once), so that a fleet firing at one instant
       * does not post all its results in the same second. 0 posts at once.
       */
      resultSpreadMs: z.number().int().min(0).max(60_000).default(3_000),
    })
    .prefault({}),
  heartbeatIntervalS: z.number().positive().default(30),
  plan: z
    .strictObject({
      hours: z.number().int().positive().max(168).default(48),
      refreshIntervalS: z.number().positive().default(300),
      /** PROTOCOL.md: act on the local plan once the API has been unreachable this long. */
      offlineAfterS: z.number().positive().default(60),
      /** A plan item later than this is not executed any more (like a command's expiresAt). */
      graceS: z.number().positive().default(300),
    })
    .prefault({}),
  wake: z
    .strictObject({
      port: port.default(9),
      repeat: z.number().int().min(1).max(20).default(3),
      intervalMs: z.number().int().min(0).default(100),
      /** Send every magic packet here instead of the kiosk's broadcast address (simulation, tests). */
      address: ip.optional(),
      /** Per-kiosk UDP port, e.g. from the kiosk simulator; beats `port` and the target's `wolPort`. */
      portByKiosk: z.record(z.string(), port).default({}),
      /** Local address to send from on a multi-homed Pi. */
      bindAddress: ip.optional(),
      password: z.string().optional(),
    })
    .prefault({}),
  probe: z
    .strictObject({
      intervalS: z.number().positive().default(30),
      snapshotIntervalS: z.number().positive().default(300),
      timeoutMs: z.number().int().positive().default(2_000),
      ports: z.array(port).min(1).default([5900]),
      /** Ports the API may ask for besides `ports` (a kiosk's VNC port, the heartbeat's probePorts). */
      allowedPorts: z.array(port).default([5900, 5901, 5902, 5903, 5904, 5905, 5906, 5907, 5908, 5909]),
      /** Probe this address instead of the kiosk's IP (simulation, tests). */
      address: ip.optional(),
      portByKiosk: z.record(z.string(), port).default({}),
      /** Kiosks probed from the start; more are learnt from the plan and commands. */
      kiosks: z.array(z.strictObject({ kioskId: z.string().min(1), ip: ip.optional() })).default([]),
    })
    .prefault({}),
  shutdown: z
    .strictObject({
      /** The only shutdown methods this agent runs; the API names one per kiosk. */
      methods: z.record(z.string().min(1), ShutdownMethodSchema).default({}),
      /** Used when a target names no method or one this agent does not know. */
      defaultMethod: z.string().optional(),
      /**
       * Where `{ip}` and `{broadcast}` may point although they are special-use or this
       * host's own addresses (the simulator's loopback kiosks); still only inside `subnets`.
       */
      allowTargets: z.array(cidr).default([]),
      /** Retired with server-defined methods: accepted so old config files still load, then ignored with a warning. */
      allowServerDefined: z.unknown().optional(),
      allowedPrograms: z.unknown().optional(),
    })
    .prefault({}),
  readings: z
    .strictObject({
      intervalS: z.number().positive().default(60),
      batchSize: z.number().int().min(1).max(5000).default(1000),
    })
    .prefault({}),
  sensors: z
    .strictObject({
      kind: z.enum(['hardware', 'simulated', 'none']).default('hardware'),
      dht11: Dht11Schema.optional(),
      mq2: Mq2Schema.optional(),
      simulated: SimulatedSensorSchema.prefault({}),
    })
    .prefault({}),
  relay: z
    .strictObject({
      /** Keep the outbound relay channel for remote screens (README "Relay channel"). */
      enabled: z.boolean().default(true),
      /** Kiosk connections carried at once. */
      maxStreams: z.number().int().min(1).max(256).default(32),
      connectTimeoutMs: z.number().int().positive().max(60_000).default(5_000),
      /** Where the API may ask this agent to connect; defaults to `subnets`. Empty: nowhere. */
      allowedSubnets: subnetList().optional(),
      /** The only ports the API may ask for: ports (5900) and ranges ("5900-5909"). */
      allowedPorts: z
        .array(z.union([port, z.string().refine(isPortRange, 'a port or a range like "5900-5909"')]))
        .min(1)
        .default(['5900-5909']),
      /**
       * Loopback, link-local or this Pi's own addresses the relay may reach anyway
       * (simulated kiosks on loopback); still only inside the subnets above.
       */
      allowTargets: subnetList().default([]),
    })
    .prefault({}),
  buffer: z
    .strictObject({
      /** 7 days at one reading per 30 s is 20,160. */
      maxReadings: z.number().int().min(1).default(50_000),
      maxOutbox: z.number().int().min(1).default(10_000),
    })
    .prefault({}),
});
export type AgentConfig = z.infer<typeof AgentConfigSchema>;
export type Dht11Config = z.infer<typeof Dht11Schema>;
export type Mq2Config = z.infer<typeof Mq2Schema>;
export type SimulatedSensorConfig = z.infer<typeof SimulatedSensorSchema>;

/**
 * Settings old config files may still hold that this agent ignores, one sentence each:
 * logged as warnings at start and printed by --check-config, never a reason not to start.
 */
export function retiredSettings(config: Pick<AgentConfig, 'shutdown'>): string[] {
  return (['allowServerDefined', 'allowedPrograms'] as const)
    .filter((key) => config.shutdown[key] !== undefined)
    .map(
      (key) =>
        `shutdown.${key} is no longer used and is ignored: this agent runs only the methods of its own shutdown.methods, never one the server sends`,
    );
}

/** Environment variables and the setting each one sets. */
export const ENV_VARS: Record<string, { path: string[]; type: 'string' | 'number' | 'list' }> = {
  WAKEWARD_API_URL: { path: ['apiUrl'], type: 'string' },
  WAKEWARD_STATE_DIR: { path: ['stateDir'], type: 'string' },
  WAKEWARD_TOKEN: { path: ['token'], type: 'string' },
  WAKEWARD_AGENT_NAME: { path: ['name'], type: 'string' },
  WAKEWARD_SUBNETS: { path: ['subnets'], type: 'list' },
  WAKEWARD_LOG_LEVEL: { path: ['logLevel'], type: 'string' },
  WAKEWARD_SENSORS: { path: ['sensors', 'kind'], type: 'string' },
  WAKEWARD_WAKE_ADDRESS: { path: ['wake', 'address'], type: 'string' },
  WAKEWARD_WAKE_PORT: { path: ['wake', 'port'], type: 'number' },
  WAKEWARD_PROBE_ADDRESS: { path: ['probe', 'address'], type: 'string' },
  WAKEWARD_PROBE_INTERVAL_S: { path: ['probe', 'intervalS'], type: 'number' },
  WAKEWARD_READING_INTERVAL_S: { path: ['readings', 'intervalS'], type: 'number' },
  WAKEWARD_HEARTBEAT_INTERVAL_S: { path: ['heartbeatIntervalS'], type: 'number' },
  WAKEWARD_LONG_POLL_WAIT_S: { path: ['http', 'longPollWaitS'], type: 'number' },
  WAKEWARD_OFFLINE_AFTER_S: { path: ['plan', 'offlineAfterS'], type: 'number' },
  WAKEWARD_MAX_BUFFERED_READINGS: { path: ['buffer', 'maxReadings'], type: 'number' },
};

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Reads and validates the configuration. `env` and `configFile` are parameters so
 * tests (and child processes started by tests) control them completely.
 */
export function loadConfig(options: { env?: NodeJS.ProcessEnv; configFile?: string } = {}): AgentConfig {
  const env = options.env ?? process.env;
  const file = options.configFile ?? env.WAKEWARD_CONFIG;
  let raw: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`Cannot read config file ${file}: ${(err as Error).message}`);
    }
    try {
      raw = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`Config file ${file} is not valid JSON: ${(err as Error).message}`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new ConfigError(`Config file ${file} must hold a JSON object`);
    }
  }

  const fromEnv = new Map<string, string>();
  for (const [name, spec] of Object.entries(ENV_VARS)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    let parsed: unknown = value;
    if (spec.type === 'number') parsed = /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : value;
    if (spec.type === 'list')
      parsed = value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    setPath(raw, spec.path, parsed);
    fromEnv.set(spec.path.join('.'), name);
  }

  const result = AgentConfigSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const key = issue.path.map(String).join('.') || '(root)';
      const envName = fromEnv.get(key);
      if (envName) return `  ${key}: ${issue.message} (from environment variable ${envName})`;
      if (issue.code === 'invalid_type' && issue.input === undefined) {
        const hint = Object.entries(ENV_VARS).find(([, spec]) => spec.path.join('.') === key)?.[0];
        return `  ${key}: required but not set${hint ? ` (set ${hint} or "${key}" in the config file)` : ''}`;
      }
      return `  ${key}: ${issue.message} (from ${file ? `config file ${file}` : 'defaults'})`;
    });
    throw new ConfigError(`Invalid agent configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

// The relay section's checks (function declarations: hoisted above the schema that uses them).
function subnetList() {
  return z.array(
    z.string().refine((value) => {
      const [base, bits, ...rest] = value.split('/');
      return rest.length === 0 && z.ipv4().safeParse(base).success && /^\d{1,2}$/.test(bits ?? '') && Number(bits) <= 32;
    }, 'an IPv4 subnet in CIDR form, e.g. 10.1.2.0/24'),
  );
}

function isPortRange(value: string): boolean {
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(value);
  return !!m && Number(m[1]) >= 1 && Number(m[1]) <= Number(m[2]) && Number(m[2]) <= 65535;
}
