import { existsSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express from 'express';

/** The build's file names under /assets carry a hash of their content: they never change. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html names the current hashes: the browser asks again each time (a 304 when unchanged). */
const REVALIDATE = 'no-cache';
/** What the console's build writes beside its text files (see apps/web/vite.config.ts), best first. */
const ENCODINGS = [
  { name: 'br', suffix: '.br' },
  { name: 'gzip', suffix: '.gz' },
] as const;

/**
 * The built console: hashed assets cacheable for a year, index.html revalidated, each
 * sent pre-compressed (brotli or gzip, as the browser accepts) when the build wrote
 * that file; every other non-API GET falls back to index.html (client-side routes).
 */
export function serveConsole(app: NestExpressApplication, dir: string) {
  const root = normalize(dir + sep);
  const isApiPath = (path: string) => /^\/(api|healthz|readyz|metrics|socket\.io)(\/|$)/.test(path);
  app.use((req: express.Request, res: express.Response, next: express.NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || isApiPath(req.path) || !extname(req.path)) return next();
    let file: string;
    try {
      file = normalize(join(root, decodeURIComponent(req.path)));
    } catch {
      return next(); // a malformed escape: static answers it
    }
    const variants = file.startsWith(root) ? ENCODINGS.filter((e) => existsSync(file + e.suffix)) : [];
    if (!variants.length) return next();
    res.vary('Accept-Encoding');
    const accepted = String(req.headers['accept-encoding'] ?? '');
    const encoding = variants.find((e) => new RegExp(`\\b${e.name}\\b`).test(accepted));
    if (!encoding) return next();
    // send() keeps a Content-Type already set: the original file's, not the .br's.
    res.type(extname(file));
    res.setHeader('Content-Encoding', encoding.name);
    req.url = req.url.replace(/^([^?]*)/, `$1${encoding.suffix}`);
    next();
  });
  app.use(
    express.static(dir, {
      index: 'index.html',
      cacheControl: false,
      setHeaders: (res, path) => res.setHeader('Cache-Control', path.startsWith(join(root, 'assets', sep)) ? IMMUTABLE : REVALIDATE),
    }),
  );
  app.use((req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (req.method !== 'GET' || isApiPath(req.path)) return next();
    res.setHeader('Cache-Control', REVALIDATE);
    res.sendFile(join(dir, 'index.html'));
  });
}
