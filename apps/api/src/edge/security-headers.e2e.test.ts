import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, TestApi } from '../../testing/test-app';

/** The console's files and the API's answers carry the same security headers (the CSP is tried in the browser tests). */
describe('security headers', () => {
  let api: TestApi;
  let webDist: string;
  beforeAll(async () => {
    webDist = mkdtempSync(join(tmpdir(), 'wk-console-'));
    writeFileSync(join(webDist, 'index.html'), '<!doctype html><title>Wakeward</title>');
    // The test's requests come from loopback: as if through a proxy there, which TRUST_PROXY names.
    api = await startTestApi({ WEB_DIST: webDist, TRUST_PROXY: '127.0.0.1' });
  });
  afterAll(async () => {
    await api?.close();
    rmSync(webDist, { recursive: true, force: true });
  });

  it('the console, a client-side route, the API and its errors: CSP, no framing, nosniff, no referrer', async () => {
    for (const path of ['/', '/fleet?site=x', '/api/auth/me', '/healthz', '/api/nothing-here']) {
      const res = await api.anonymous().get(path);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("default-src 'self'");
      expect(csp, path).toContain("script-src 'self';");
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("object-src 'none'");
      expect(csp, path).not.toContain('unsafe-eval');
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(res.headers.get('x-powered-by'), path).toBeNull();
    }
  });

  it('HSTS only on a request that came over HTTPS (here through a trusted proxy on loopback)', async () => {
    expect((await api.anonymous().get('/healthz')).headers.get('strict-transport-security')).toBeNull();
    const proxied = await api.anonymous().request('GET', '/healthz', undefined, { 'x-forwarded-proto': 'https' });
    expect(proxied.headers.get('strict-transport-security')).toBe('max-age=31536000');
  });
});
