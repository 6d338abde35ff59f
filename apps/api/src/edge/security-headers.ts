import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

/**
 * The console's Content-Security-Policy: the built console is files from its own
 * origin and talks only to its own origin (fetch, socket.io, the screen WebSocket),
 * so 'self' covers it. Keep deploy/console-headers.conf in step.
 * - style-src 'unsafe-inline': React, uPlot (the environment charts) and noVNC set
 *   element styles; no script can run from a style.
 * - img-src data: blob: noVNC draws cursors and JPEG rectangles from data and blob URLs.
 * - no 'unsafe-eval' and no inline script: Vite's build has neither.
 * - frame-ancestors 'none': no page may frame the console (clickjacking a Wake or a
 *   screen session); object-src and base-uri 'none', forms post only to the console.
 */
export const CONTENT_SECURITY_POLICY: Record<string, string[]> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

/** A year; without includeSubDomains, which would bind other hosts of the hospital's domain. */
const HSTS = 'max-age=31536000';

/**
 * Headers of every answer, the console's files and the API's JSON alike: the CSP
 * above, X-Frame-Options DENY, nosniff, Referrer-Policy no-referrer (the console's
 * URLs name kiosks and sites), and HSTS only on a request that came over HTTPS
 * (directly, or by the X-Forwarded-Proto of a proxy TRUST_PROXY names: `req.secure`), so a plain-HTTP demo stays reachable.
 */
export function securityHeaders(): RequestHandler[] {
  return [
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'no-referrer' },
      strictTransportSecurity: false,
    }),
    (req: Request, res: Response, next: NextFunction) => {
      if (req.secure) res.setHeader('Strict-Transport-Security', HSTS);
      next();
    },
  ];
}
