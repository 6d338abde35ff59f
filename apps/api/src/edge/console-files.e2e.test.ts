import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, TestApi } from '../../testing/test-app';

/** The console's files as the build writes them: hashed assets with a .br and a .gz beside each. */
describe('console files', () => {
  let api: TestApi;
  let webDist: string;
  const script = `console.log(${JSON.stringify('wakeward '.repeat(500))});`;
  beforeAll(async () => {
    webDist = mkdtempSync(join(tmpdir(), 'wk-console-'));
    mkdirSync(join(webDist, 'assets'));
    writeFileSync(join(webDist, 'index.html'), '<!doctype html><title>Wakeward</title><script type="module" src="/assets/index-AbC123.js"></script>');
    const asset = join(webDist, 'assets', 'index-AbC123.js');
    writeFileSync(asset, script);
    writeFileSync(`${asset}.gz`, gzipSync(script));
    writeFileSync(`${asset}.br`, brotliCompressSync(script));
    api = await startTestApi({ WEB_DIST: webDist });
  });
  afterAll(async () => {
    await api?.close();
    rmSync(webDist, { recursive: true, force: true });
  });

  it('a hashed asset: pre-compressed as the browser accepts, cacheable for a year', async () => {
    for (const [accepted, encoding] of [
      ['gzip', 'gzip'],
      ['gzip, deflate, br', 'br'],
    ]) {
      const res = await api.anonymous().request('GET', '/assets/index-AbC123.js', undefined, { 'accept-encoding': accepted });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-encoding'), accepted).toBe(encoding);
      expect(res.headers.get('content-type')).toMatch(/^text\/javascript|^application\/javascript/);
      expect(res.headers.get('vary')).toMatch(/accept-encoding/i);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(res.text).toBe(script);
    }
  });

  it('a browser that accepts no compression gets the file as it is', async () => {
    const res = await api.anonymous().request('GET', '/assets/index-AbC123.js', undefined, { 'accept-encoding': 'identity' });
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(res.text).toBe(script);
  });

  it('index.html, at / and on a client-side route, is revalidated each time', async () => {
    for (const path of ['/', '/index.html', '/fleet?site=x']) {
      const res = await api.anonymous().get(path);
      expect(res.status, path).toBe(200);
      expect(res.text, path).toContain('<title>Wakeward</title>');
      expect(res.headers.get('cache-control'), path).toBe('no-cache');
    }
  });

  it('the API is not the console: no fallback, no console headers', async () => {
    const res = await api.anonymous().get('/api/nothing-here.js');
    expect(res.status).toBe(404);
    expect(res.headers.get('cache-control')).not.toBe('public, max-age=31536000, immutable');
  });
});
