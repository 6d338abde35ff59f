import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { ProxyTrust } from '../common/client-address';

/**
 * Where a request comes from, as the browser says it: the `Origin` header (sent by
 * every current browser on POST, PUT, PATCH, DELETE and WebSocket handshakes) and
 * `Sec-Fetch-Site` (sent by browsers since 2020-2023, never settable by a page).
 *
 * The rule, for a request another site could make a signed-in browser send:
 * - `Sec-Fetch-Site`, when present, must be `same-origin`;
 * - `Origin`, when present, must be one of the console's origins (PUBLIC_ORIGIN, or
 *   by default the request's own scheme and Host; `null` never matches);
 * - with neither, the request is no browser's: it passes unless `requireProof`
 *   (a state change carrying the session cookie: a script must send `Origin`).
 */
export function refusedOrigin(
  req: IncomingMessage,
  publicOrigins: readonly string[] | null,
  requireProof: boolean,
  trust: ProxyTrust = () => false,
): string | null {
  const site = header(req, 'sec-fetch-site');
  if (site !== undefined && site !== 'same-origin') return `Sec-Fetch-Site is ${site}`;
  const origin = header(req, 'origin');
  if (origin !== undefined) {
    const allowed = publicOrigins ?? [ownOrigin(req, trust)];
    return allowed.includes(normalise(origin)) ? null : `Origin ${origin.slice(0, 200)} is not the console's`;
  }
  if (site !== undefined || !requireProof) return null;
  return 'neither Origin nor Sec-Fetch-Site says where the request comes from';
}

/**
 * The origin the request was addressed to: its Host and scheme, or those the proxy in
 * front passed on (X-Forwarded-Host, X-Forwarded-Proto) when TRUST_PROXY trusts it,
 * as Express does for `req.protocol`.
 */
export function ownOrigin(req: IncomingMessage, trust: ProxyTrust = () => false): string {
  const trusted = req.socket.remoteAddress !== undefined && trust(req.socket.remoteAddress, 0);
  const proto =
    (trusted && firstValue(header(req, 'x-forwarded-proto'))) ||
    ((req.socket as TLSSocket).encrypted ? 'https' : 'http');
  const host = (trusted && firstValue(header(req, 'x-forwarded-host'))) || header(req, 'host') || '';
  return normalise(`${proto}://${host}`);
}

/** Methods that change something; reads (GET, HEAD, OPTIONS) are never checked. */
export function isStateChanging(method: string | undefined): boolean {
  return method === 'POST' || method === 'PUT' || method === 'PATCH' || method === 'DELETE';
}

function normalise(origin: string): string {
  try {
    return new URL(origin).origin;
  } catch {
    return 'null';
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function firstValue(value: string | undefined): string | undefined {
  return value?.split(',')[0].trim() || undefined;
}
