import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';

/** Express's compiled `trust proxy` setting (`app.get('trust proxy fn')`). */
export type ProxyTrust = (address: string, hop: number) => boolean;

/**
 * The client's address of a request Express never handles (a WebSocket upgrade),
 * worked out as Express works out `req.ip`: X-Forwarded-For is read only as far as
 * the hops TRUST_PROXY trusts.
 */
export function clientAddress(req: IncomingMessage, trust: ProxyTrust): string | null {
  if (!req.socket.remoteAddress) return null;
  return proxyAddr(req, trust);
}

/** TRUST_PROXY compiled as Express compiles `trust proxy`, for code outside Express. */
export function compileTrust(setting: false | number | string[]): ProxyTrust {
  if (setting === false) return () => false;
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return proxyAddr.compile(setting);
}
