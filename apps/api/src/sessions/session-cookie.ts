import type { CookieOptions, Request } from 'express';
import type { AppConfig } from '../config/config';

export const SESSION_COOKIE = 'wk_session';

/**
 * The session token a `Cookie` header carries, or undefined. The one reader of the
 * header for HTTP requests, the console's socket and the remote-screen upgrade alike,
 * so all three accept the same cookies: the first `wk_session` wins, a quoted value is
 * unquoted, and a value that is not valid percent-encoding is taken as it is (as the
 * `cookie` package does) rather than failing the request.
 */
export function sessionTokenOf(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(';')) {
    const i = part.indexOf('=');
    if (i < 0 || part.slice(0, i).trim() !== SESSION_COOKIE) continue;
    let value = part.slice(i + 1).trim();
    if (value.length > 1 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (!value.includes('%')) return value;
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return undefined;
}

/**
 * The session cookie's attributes: httpOnly, SameSite=Strict, and Secure whenever the
 * console is served over HTTPS (`COOKIE_SECURE=auto`: `req.secure`, which believes
 * X-Forwarded-Proto only from a proxy Express trusts), or as configured.
 */
export function sessionCookieOptions(config: AppConfig, req: Request): CookieOptions {
  const secure = config.session.cookieSecure === 'auto' ? req.secure : config.session.cookieSecure;
  return { httpOnly: true, sameSite: 'strict', secure, path: '/' };
}
