/**
 * Shutdown: run one of this agent's own methods (`shutdown.methods`) on a kiosk.
 * The API only names the method (`target.shutdown.method`); no program, argv or URL
 * it sends is ever run, and every other field of `target.shutdown` is ignored. A name
 * this agent does not know falls back to `shutdown.defaultMethod`, else the kiosk
 * fails with SHUTDOWN_METHOD_UNKNOWN.
 * Two kinds:
 *   exec  argv run without a shell, in its own process group (process-groups.ts);
 *         placeholders are substituted inside each argv element, so a value stays
 *         one literal argument.
 *   http  a request to a URL template (placeholders URL-encoded); a redirect is a
 *         failure, never followed.
 * Placeholders: {kioskId} {code} {ip} {mac} {broadcast} (any other is a config error
 * at start). Each value a method uses is checked before substitution ({ip} and
 * {broadcast} with kioskAddressRefusal against the agent's `subnets`); a bad one
 * fails the kiosk with SHUTDOWN_FIELD_INVALID and nothing is started or sent.
 */
import { kioskAddressRefusal, normalizeMac } from '@wakeward/wol';
import {
  retiredSettings,
  templatePlaceholders,
  type AgentConfig,
  type ShutdownMethod,
  type ShutdownPlaceholder,
} from '../config';
import { hostIpv4Addresses } from '../kiosk-addresses';
import type { Logger } from '../log';
import type { KioskTarget, TargetOutcome } from '../protocol';
import { ProcessGroups } from './process-groups';

export type ShutdownKiosks = ((targets: KioskTarget[]) => Promise<TargetOutcome[]>) & {
  /** Ends every method still running, grandchildren included (the agent is stopping). */
  endAll: () => Promise<void>;
};

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

/** Where `{ip}` and `{broadcast}` may point: the agent's subnets, never this host or loopback. */
export interface ShutdownAddressPolicy {
  subnets: readonly string[];
  allow: readonly string[];
  /** This host's addresses, read at each shutdown (interfaces change). */
  ownAddresses: () => readonly string[];
}

const KIOSK_ID = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;
const KIOSK_CODE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The method a target gets: its named one, else the default; never anything the target carries. */
export function resolveMethod(target: KioskTarget, config: AgentConfig['shutdown']): ShutdownMethod {
  const name = target.shutdown?.method;
  if (typeof name === 'string' && Object.hasOwn(config.methods, name)) return config.methods[name]!;
  if (config.defaultMethod !== undefined && Object.hasOwn(config.methods, config.defaultMethod))
    return config.methods[config.defaultMethod]!;
  throw new ShutdownError(
    'SHUTDOWN_METHOD_UNKNOWN',
    typeof name === 'string'
      ? `shutdown method ${JSON.stringify(name)} is not configured on this agent (shutdown.methods)`
      : 'the kiosk names no shutdown method and this agent has no shutdown.defaultMethod',
  );
}

/** The placeholders a method's templates use. */
export function methodPlaceholders(method: ShutdownMethod): Set<ShutdownPlaceholder> {
  const templates = method.kind === 'exec' ? method.argv : [method.url, method.body ?? ''];
  return new Set(templates.flatMap(templatePlaceholders) as ShutdownPlaceholder[]);
}

/** The values of `used`, each checked; throws SHUTDOWN_FIELD_INVALID naming the first bad field. */
export function placeholderValues(
  target: KioskTarget,
  used: Iterable<ShutdownPlaceholder>,
  policy: ShutdownAddressPolicy,
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const field of used) {
    const value = target[field];
    if (typeof value !== 'string' || value === '')
      throw new ShutdownError('SHUTDOWN_TEMPLATE_INCOMPLETE', `the kiosk has no value for {${field}}`);
    values[field] = checkedValue(field, value, policy);
  }
  return values;
}

function checkedValue(field: ShutdownPlaceholder, value: string, policy: ShutdownAddressPolicy): string {
  const invalid = (why: string) => new ShutdownError('SHUTDOWN_FIELD_INVALID', `${field}: ${why}`);
  switch (field) {
    case 'ip':
    case 'broadcast': {
      const refusal = kioskAddressRefusal(value, {
        subnets: policy.subnets,
        ownAddresses: policy.ownAddresses(),
        allow: policy.allow,
      });
      if (refusal) throw invalid(refusal);
      return value;
    }
    case 'mac':
      try {
        return normalizeMac(value);
      } catch {
        throw invalid(`${JSON.stringify(value)} is not a MAC address`);
      }
    case 'code':
      if (!KIOSK_CODE.test(value))
        throw invalid(`${JSON.stringify(value)} is not a kiosk code (letters, digits, ., -, _)`);
      return value;
    case 'kioskId':
      if (!KIOSK_ID.test(value)) throw invalid(`${JSON.stringify(value)} is not a kiosk id (letters, digits, -)`);
      return value;
  }
}

/** Replaces each `{name}` by its value; `encode` applies to substituted values only. */
export function fillTemplate(
  template: string,
  values: Record<string, string>,
  encode: (v: string) => string = (v) => v,
): string {
  return template.replace(/\{([A-Za-z][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined)
      throw new ShutdownError('SHUTDOWN_TEMPLATE_INCOMPLETE', `the kiosk has no value for {${name}}`);
    return encode(value);
  });
}

export async function runExecShutdown(
  method: Extract<ShutdownMethod, { kind: 'exec' }>,
  values: Record<string, string>,
  groups: ProcessGroups,
): Promise<void> {
  const argv = method.argv.map((element) => fillTemplate(element, values));
  let run;
  try {
    run = await groups.run(argv, method.timeoutMs);
  } catch (err) {
    throw new ShutdownError('SHUTDOWN_FAILED', `${argv[0]} failed (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (run.timedOut)
    throw new ShutdownError('SHUTDOWN_TIMEOUT', `${argv[0]} did not finish within ${method.timeoutMs} ms`);
  if (run.ended) throw new ShutdownError('SHUTDOWN_FAILED', `${argv[0]} was ended because the agent is stopping`);
  if (run.code === 0) return;
  const detail = run.stderr.trim().split('\n').slice(-3).join(' | ');
  throw new ShutdownError(
    'SHUTDOWN_FAILED',
    `${argv[0]} failed (${run.code ?? run.signal ?? 'error'})${detail ? `: ${detail}` : ''}`,
  );
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
      redirect: 'manual',
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
  if (res.status >= 300 && res.status < 400)
    throw new ShutdownError(
      'SHUTDOWN_FAILED',
      `${method.method} ${url} answered ${res.status}, a redirect, which is not followed: configure the final URL`,
    );
  if (!res.ok) throw new ShutdownError('SHUTDOWN_FAILED', `${method.method} ${url} answered ${res.status}`);
}

export function createShutdownKiosks(
  config: Pick<AgentConfig, 'shutdown' | 'subnets'>,
  log: Logger,
  ownAddresses: () => readonly string[] = hostIpv4Addresses,
): ShutdownKiosks {
  for (const warning of retiredSettings(config)) log.warn(warning);
  const policy: ShutdownAddressPolicy = { subnets: config.subnets, allow: config.shutdown.allowTargets, ownAddresses };
  const groups = new ProcessGroups();
  const shutdown = (targets: KioskTarget[]) =>
    Promise.all(
      targets.map(async (target): Promise<TargetOutcome> => {
        try {
          const method = resolveMethod(target, config.shutdown);
          const values = placeholderValues(target, methodPlaceholders(method), policy);
          if (method.kind === 'exec') await runExecShutdown(method, values, groups);
          else await runHttpShutdown(method, values);
          log.debug('shutdown sent', { kioskId: target.kioskId, kind: method.kind });
          return { kioskId: target.kioskId, ok: true, error: null };
        } catch (err) {
          const code = err instanceof ShutdownError ? err.code : 'SHUTDOWN_FAILED';
          return { kioskId: target.kioskId, ok: false, error: `${code}: ${(err as Error).message}` };
        }
      }),
    );
  return Object.assign(shutdown, { endAll: () => groups.endAll() });
}
