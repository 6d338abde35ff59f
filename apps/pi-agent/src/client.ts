/**
 * The agent's side of PROTOCOL.md: one typed method per endpoint. The API answers
 * errors as `{"error":{"code","message"}}`; they surface as AgentApiError with that
 * code. A connection that fails (DNS, refused, reset, timeout) is ApiUnreachableError:
 * the leased line is down, and callers back off and retry with `withBackoff`.
 */
import { z } from 'zod';
import { exchange, keepAliveAgents, type HttpAnswer } from './http-exchange';
import {
  ApiErrorBodySchema,
  EnrollResponseSchema,
  HeartbeatResponseSchema,
  PROTOCOL_PREFIX,
  PlanSchema,
  PowerCommandSchema,
  CancelCommandSchema,
  ReadingsAckSchema,
  type AgentCommand,
  type CommandResult,
  type EnrollRequest,
  type EnrollResponse,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type OfflineAction,
  type Plan,
  type ProbeReport,
  type Reading,
} from './protocol';

export class AgentApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'AgentApiError';
  }
  /** Worth retrying later with the same request: the server is overloaded or failing. */
  get transient(): boolean {
    return this.status === 429 || this.status >= 500;
  }
}

export class ApiUnreachableError extends Error {
  readonly code = 'API_UNREACHABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ApiUnreachableError';
  }
}

/** An answer that does not match the protocol: a bug or version skew, not an outage. */
export class ProtocolViolationError extends Error {
  readonly code = 'PROTOCOL_VIOLATION';
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolViolationError';
  }
}

export interface AgentApiClientOptions {
  baseUrl: string;
  token?: string;
  requestTimeoutMs?: number;
  /**
   * Called after every exchange: `reached` is true when the API answered with a
   * status below 500. A 5xx means the API cannot serve us either, which is an
   * outage as far as the offline plan is concerned.
   */
  onContact?: (reached: boolean) => void;
}

export type PlanFetch = { notModified: true } | { notModified: false; plan: Plan; etag: string | null };

export interface PolledCommands {
  commands: AgentCommand[];
  /** Commands that did not match the protocol, dropped with a log line rather than crashing. */
  rejected: Array<{ raw: unknown; problem: string }>;
}

/** Built once: zod compiles a schema on its first parse, which per call cost more than the request. */
const PolledCommandsSchema = z.looseObject({ commands: z.array(z.unknown()) });

export class AgentApiClient {
  private readonly root: string;
  private readonly sockets = keepAliveAgents();
  token: string | undefined;

  constructor(private readonly options: AgentApiClientOptions) {
    this.root = options.baseUrl.replace(/\/+$/, '') + PROTOCOL_PREFIX;
    this.token = options.token;
  }

  /** Closes the kept-alive sockets (they never keep the process alive on their own). */
  close(): void {
    this.sockets.http.destroy();
    this.sockets.https.destroy();
  }

  async enroll(request: EnrollRequest): Promise<EnrollResponse> {
    const res = await this.request('POST', '/enroll', { body: request, auth: false });
    return parse(EnrollResponseSchema, json(res, 'enroll'), 'enroll');
  }

  async heartbeat(request: HeartbeatRequest): Promise<HeartbeatResponse> {
    const res = await this.request('POST', '/heartbeat', { body: request });
    return parse(HeartbeatResponseSchema, json(res, 'heartbeat'), 'heartbeat');
  }

  /** Long poll: resolves as soon as commands are pending, or empty after `waitS`. */
  async pollCommands(waitS: number, signal?: AbortSignal): Promise<PolledCommands> {
    const res = await this.request('GET', `/commands?wait=${waitS}`, {
      timeoutMs: waitS * 1000 + (this.options.requestTimeoutMs ?? 15_000),
      signal,
    });
    const body = parse(PolledCommandsSchema, json(res, 'commands'), 'commands');
    const commands: AgentCommand[] = [];
    const rejected: PolledCommands['rejected'] = [];
    for (const raw of body.commands) {
      const type = (raw as { type?: unknown } | null)?.type;
      const schema = type === 'cancel' ? CancelCommandSchema : PowerCommandSchema;
      const parsed = schema.safeParse(raw);
      if (parsed.success) commands.push(parsed.data);
      else rejected.push({ raw, problem: z.prettifyError(parsed.error) });
    }
    return { commands, rejected };
  }

  async reportResult(commandId: string, result: CommandResult): Promise<void> {
    await this.request('POST', `/commands/${encodeURIComponent(commandId)}/result`, { body: result });
  }

  async reportProbes(report: ProbeReport): Promise<void> {
    await this.request('POST', '/probes', { body: report });
  }

  async getPlan(hours: number, etag?: string | null): Promise<PlanFetch> {
    const headers: Record<string, string> = etag ? { 'if-none-match': etag } : {};
    const res = await this.request('GET', `/plan?hours=${hours}`, { headers, accept304: true });
    if (res.status === 304) return { notModified: true };
    const plan = parse(PlanSchema, json(res, 'plan'), 'plan');
    return { notModified: false, plan, etag: header(res, 'etag') ?? null };
  }

  async reportOfflineActions(actions: OfflineAction[]): Promise<void> {
    await this.request('POST', '/offline-actions', { body: { actions } });
  }

  async sendReadings(readings: Reading[]): Promise<{ ackSeq: number }> {
    const res = await this.request('POST', '/readings', { body: { readings } });
    return parse(ReadingsAckSchema, json(res, 'readings'), 'readings');
  }

  private async request(
    method: string,
    path: string,
    opts: {
      body?: unknown;
      auth?: boolean;
      headers?: Record<string, string>;
      timeoutMs?: number;
      signal?: AbortSignal;
      accept304?: boolean;
    } = {},
  ): Promise<HttpAnswer> {
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    if (opts.auth !== false) {
      if (!this.token)
        throw new AgentApiError(401, 'AGENT_NOT_ENROLLED', 'this agent has no token; run `enroll` first');
      headers.authorization = `Bearer ${this.token}`;
    }
    let res: HttpAnswer;
    try {
      res = await exchange(this.sockets, {
        method,
        url: new URL(this.root + path),
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        timeoutMs: opts.timeoutMs ?? this.options.requestTimeoutMs ?? 15_000,
        signal: opts.signal,
      });
    } catch (err) {
      this.options.onContact?.(false);
      if (opts.signal?.aborted) throw err;
      const detail = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new ApiUnreachableError(`${method} ${path}: ${detail}`, { cause: err });
    }
    this.options.onContact?.(res.status < 500);
    if ((res.status >= 200 && res.status < 300) || (opts.accept304 && res.status === 304)) return res;
    throw toApiError(res, `${method} ${path}`);
  }
}

function header(res: HttpAnswer, name: string): string | undefined {
  const value = res.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function json(res: HttpAnswer, what: string): unknown {
  try {
    return JSON.parse(res.body);
  } catch {
    throw new ProtocolViolationError(`${what} response is not JSON: ${res.body.slice(0, 200)}`);
  }
}

function toApiError(res: HttpAnswer, what: string): AgentApiError {
  const retryAfter = header(res, 'retry-after');
  const retryAfterMs = retryAfter && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : undefined;
  try {
    const body = ApiErrorBodySchema.safeParse(JSON.parse(res.body));
    if (body.success) return new AgentApiError(res.status, body.data.error.code, body.data.error.message, retryAfterMs);
  } catch {
    // Not JSON (a proxy's HTML error page): fall through with the status only.
  }
  return new AgentApiError(
    res.status,
    `HTTP_${res.status}`,
    `${what} answered ${res.status} ${res.body.slice(0, 200)}`,
    retryAfterMs,
  );
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new ProtocolViolationError(`${what} response: ${z.prettifyError(result.error)}`);
  return result.data;
}

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** Injectable for tests; full jitter spreads 4 Pis x 10,000 sites after an outage. */
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
  onRetry?: (error: unknown, delayMs: number, attempt: number) => void;
  /** Give up after this many attempts; default: never. */
  maxAttempts?: number;
}

/** Whether an error means "try the same request again later". */
export function isRetryable(error: unknown): boolean {
  return error instanceof ApiUnreachableError || (error instanceof AgentApiError && error.transient);
}

/** Delay before retry `attempt` (1-based): full jitter over an exponential ceiling. */
export function backoffDelay(attempt: number, options: Pick<BackoffOptions, 'initialMs' | 'maxMs' | 'random'>): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt - 1, 30));
  const random = options.random ?? Math.random;
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * How long a loop waits after its `attempt`-th failure in a row: backoff, but the
 * maximum at once for a revoked token or a protocol mismatch (they do not fix
 * themselves quickly), and never less than the API's Retry-After.
 */
export function retryDelay(
  error: unknown,
  attempt: number,
  http: { backoffInitialMs: number; backoffMaxMs: number },
): number {
  let delay = backoffDelay(attempt, { initialMs: http.backoffInitialMs, maxMs: http.backoffMaxMs });
  if ((error instanceof AgentApiError && error.status === 401) || error instanceof ProtocolViolationError) {
    delay = http.backoffMaxMs;
  }
  if (error instanceof AgentApiError && error.retryAfterMs !== undefined) delay = Math.max(delay, error.retryAfterMs);
  return delay;
}

/** Runs `fn` until it succeeds, retrying connection failures and 429/5xx with jittered backoff. */
export async function withBackoff<T>(fn: () => Promise<T>, options: BackoffOptions): Promise<T> {
  const sleep = options.sleep ?? abortableSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isRetryable(err) || options.signal?.aborted) throw err;
      if (options.maxAttempts !== undefined && attempt >= options.maxAttempts) throw err;
      let delay = backoffDelay(attempt, options);
      if (err instanceof AgentApiError && err.retryAfterMs !== undefined) delay = Math.max(delay, err.retryAfterMs);
      options.onRetry?.(err, delay, attempt);
      await sleep(delay, options.signal);
      if (options.signal?.aborted) throw err;
    }
  }
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
