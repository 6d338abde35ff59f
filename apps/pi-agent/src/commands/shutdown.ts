/**
 * Shutdown: run the kiosk's shutdown method. Where the method comes from, first match:
 *   1. `target.shutdown.method` names a method in this agent's config
 *      (`shutdown.methods`): a site can pin what its Pis may run;
 *   2. the target carries the method itself, as the API sends kiosks' methods:
 *      `{ method: 'command', argv: [...], timeoutS? }` or
 *      `{ method: 'http', url, httpMethod?, timeoutS? }` — refused when the config
 *      says `shutdown.allowServerDefined: false`, and a command's program must be in
 *      `shutdown.allowedPrograms` when that list is set;
 *   3. `shutdown.defaultMethod` from the config.
 * Two kinds:
 *   exec  argv run with execFile (no shell); `{field}` placeholders are substituted
 *         inside each argv element, so `name; rm -rf /` stays one literal argument.
 *         Beware of `ssh`: it joins remote arguments into a shell line on the kiosk,
 *         so only use {ip}/{mac}/{kioskId}-like fields there ({ip} and {mac} are
 *         validated before substitution).
 *   http  a request to a URL template; placeholders are URL-encoded.
 * Placeholders: kioskId, ip, mac, broadcast, name, code, and every other string or
 * number field of `target.shutdown` (e.g. {user}). An unknown placeholder fails the kiosk.
 */
import { execFile } from 'node:child_process';
import { isIP } from 'node:net';
import { isValidMac } from '@wakeward/wol';
import type { AgentConfig, ShutdownMethod } from '../config';
import type { Logger } from '../log';
import type { KioskTarget, TargetOutcome } from '../protocol';

export type ShutdownKiosks = (targets: KioskTarget[]) => Promise<TargetOutcome[]>;

export class ShutdownError extends Error {
  constructor(
    readonly code:
      | 'SHUTDOWN_METHOD_UNKNOWN'
      | 'SHUTDOWN_TEMPLATE_INCOMPLETE'
      | 'SHUTDOWN_FIELD_INVALID'
      | 'SHUTDOWN_FAILED'
      | 'SHUTDOWN_TIMEOUT',
    message: string,
  ) {
    super(message);
    this.name = 'ShutdownError';
  }
}

/** Fields of an inline method that describe it rather than the kiosk. */
const METHOD_FIELDS = new Set(['method', 'argv', 'url', 'httpMethod', 'timeoutS']);

export function placeholderValues(target: KioskTarget): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(target.shutdown ?? {})) {
    if (!METHOD_FIELDS.has(key) && (typeof value === 'string' || typeof value === 'number'))
      values[key] = String(value);
  }
  for (const key of ['kioskId', 'ip', 'mac', 'broadcast', 'name', 'code'] as const) {
    const value = target[key];
    if (typeof value === 'string') values[key] = value;
  }
  return values;
}

/** Replaces `{name}` in one template string; `encode` applies to substituted values only. */
export function fillTemplate(
  template: string,
  values: Record<string, string>,
  encode: (v: string) => string = (v) => v,
): string {
  return template.replace(/\{([A-Za-z][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined)
      throw new ShutdownError('SHUTDOWN_TEMPLATE_INCOMPLETE', `the kiosk has no value for {${name}}`);
    if (name === 'ip' && isIP(value) === 0)
      throw new ShutdownError('SHUTDOWN_FIELD_INVALID', `ip ${JSON.stringify(value)} is not an IP address`);
    if (name === 'mac' && !isValidMac(value))
      throw new ShutdownError('SHUTDOWN_FIELD_INVALID', `mac ${JSON.stringify(value)} is not a MAC address`);
    return encode(value);
  });
}

export function resolveMethod(target: KioskTarget, config: AgentConfig['shutdown']): ShutdownMethod {
  const spec = target.shutdown;
  const name = spec?.method;
  const named = name !== undefined ? config.methods[name] : undefined;
  if (named) return named;
  const inline = spec ? inlineMethod(spec) : undefined;
  if (inline) {
    if (!config.allowServerDefined) {
      throw new ShutdownError(
        'SHUTDOWN_METHOD_UNKNOWN',
        'this agent does not run shutdown methods sent by the server (shutdown.allowServerDefined is false)',
      );
    }
    if (inline.kind === 'exec' && config.allowedPrograms && !config.allowedPrograms.includes(inline.argv[0]!)) {
      throw new ShutdownError(
        'SHUTDOWN_METHOD_UNKNOWN',
        `program ${JSON.stringify(inline.argv[0])} is not in shutdown.allowedPrograms`,
      );
    }
    return inline;
  }
  const fallback = config.defaultMethod ? config.methods[config.defaultMethod] : undefined;
  if (fallback) return fallback;
  throw new ShutdownError(
    'SHUTDOWN_METHOD_UNKNOWN',
    `shutdown method ${JSON.stringify(name ?? null)} is not configured on this agent`,
  );
}

/** The API's per-kiosk method: `command` with argv, or `http` with url. */
function inlineMethod(spec: NonNullable<KioskTarget['shutdown']>): ShutdownMethod | undefined {
  const timeoutMs = typeof spec.timeoutS === 'number' && spec.timeoutS > 0 ? spec.timeoutS * 1000 : undefined;
  if (
    spec.method === 'command' &&
    Array.isArray(spec.argv) &&
    spec.argv.length > 0 &&
    spec.argv.every((a) => typeof a === 'string')
  ) {
    return { kind: 'exec', argv: spec.argv as string[], timeoutMs: timeoutMs ?? 30_000 };
  }
  if (spec.method === 'http' && typeof spec.url === 'string') {
    const httpMethod = typeof spec.httpMethod === 'string' ? spec.httpMethod.toUpperCase() : 'POST';
    if (!['GET', 'POST', 'PUT', 'DELETE'].includes(httpMethod)) return undefined;
    return {
      kind: 'http',
      method: httpMethod as 'GET' | 'POST' | 'PUT' | 'DELETE',
      url: spec.url,
      headers: {},
      timeoutMs: timeoutMs ?? 10_000,
    };
  }
  return undefined;
}

export function runExecShutdown(
  method: Extract<ShutdownMethod, { kind: 'exec' }>,
  values: Record<string, string>,
): Promise<void> {
  const argv = method.argv.map((element) => fillTemplate(element, values));
  return new Promise((resolve, reject) => {
    execFile(
      argv[0]!,
      argv.slice(1),
      { shell: false, timeout: method.timeoutMs, killSignal: 'SIGKILL', maxBuffer: 256 * 1024, windowsHide: true },
      (err, _stdout, stderr) => {
        if (!err) return resolve();
        const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
        if (e.killed)
          return reject(
            new ShutdownError('SHUTDOWN_TIMEOUT', `${argv[0]} did not finish within ${method.timeoutMs} ms`),
          );
        const detail = String(stderr).trim().split('\n').slice(-3).join(' | ');
        reject(
          new ShutdownError(
            'SHUTDOWN_FAILED',
            `${argv[0]} failed (${e.code ?? 'error'})${detail ? `: ${detail}` : ''}`,
          ),
        );
      },
    );
  });
}

export async function runHttpShutdown(
  method: Extract<ShutdownMethod, { kind: 'http' }>,
  values: Record<string, string>,
): Promise<void> {
  const url = fillTemplate(method.url, values, encodeURIComponent);
  const body =
    method.body === undefined ? undefined : fillTemplate(method.body, values, (v) => JSON.stringify(v).slice(1, -1));
  let res: Response;
  try {
    res = await fetch(url, {
      method: method.method,
      headers: method.headers,
      body,
      signal: AbortSignal.timeout(method.timeoutMs),
    });
  } catch (err) {
    const name = (err as Error).name;
    if (name === 'TimeoutError')
      throw new ShutdownError(
        'SHUTDOWN_TIMEOUT',
        `${method.method} ${url} did not answer within ${method.timeoutMs} ms`,
      );
    throw new ShutdownError(
      'SHUTDOWN_FAILED',
      `${method.method} ${url}: ${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message}`,
    );
  }
  await res.body?.cancel();
  if (!res.ok) throw new ShutdownError('SHUTDOWN_FAILED', `${method.method} ${url} answered ${res.status}`);
}

export function createShutdownKiosks(config: AgentConfig['shutdown'], log: Logger): ShutdownKiosks {
  return (targets) =>
    Promise.all(
      targets.map(async (target): Promise<TargetOutcome> => {
        try {
          const method = resolveMethod(target, config);
          const values = placeholderValues(target);
          if (method.kind === 'exec') await runExecShutdown(method, values);
          else await runHttpShutdown(method, values);
          log.debug('shutdown sent', { kioskId: target.kioskId, kind: method.kind });
          return { kioskId: target.kioskId, ok: true, error: null };
        } catch (err) {
          const code = err instanceof ShutdownError ? err.code : 'SHUTDOWN_FAILED';
          return { kioskId: target.kioskId, ok: false, error: `${code}: ${(err as Error).message}` };
        }
      }),
    );
}
