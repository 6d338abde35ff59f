import type { CookieOptions, Request } from 'express';
import type { AppConfig } from '../config/config';

/**
 * The session cookie's attributes: httpOnly, SameSite=Strict, and Secure whenever the
 * console is served over HTTPS (`COOKIE_SECURE=auto`: `req.secure`, which believes
 * X-Forwarded-Proto only from a proxy Express trusts), or as configured.
 */
export function sessionCookieOptions(config: AppConfig, req: Request): CookieOptions {
  const secure = config.session.cookieSecure === 'auto' ? req.secure : config.session.cookieSecure;
  return { httpOnly: true, sameSite: 'strict', secure, path: '/' };
}
