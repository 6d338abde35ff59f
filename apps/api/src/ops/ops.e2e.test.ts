import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, configWarnings, loadConfig } from '../config/config';
import { startTestApi, TestApi } from '../../testing/test-app';

const METRICS_TOKEN = 'metrics-token-for-the-tests-0123456789';

describe('ops endpoints', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ METRICS_TOKEN });
  });
  afterAll(() => api?.close());

  it('/healthz answers without a session', async () => {
    const res = await api.anonymous().get('/healthz');
    expect(res).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('/readyz checks MySQL and Redis', async () => {
    const res = await api.anonymous().get('/readyz');
    expect(res).toMatchObject({ status: 200, body: { status: 'ready', checks: { mysql: 'ok', redis: 'ok' } } });
  });

  it('/readyz is 503 naming the failing dependency, and nothing of why, when MySQL is gone', async () => {
    const broken = await startTestApi();
    try {
      await broken.db.query(`KILL CONNECTION_ID()`).catch(() => undefined);
      // Point the app's pool at a dead port by destroying it: readiness must say which dependency failed.
      await broken.app.get((await import('typeorm')).DataSource).destroy();
      const res = await broken.anonymous().get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ status: 'not ready', checks: { mysql: 'failing', redis: 'ok' } });
    } finally {
      await broken.close().catch(() => undefined);
    }
  });

  it('/metrics is Prometheus text with request counters, for the holder of METRICS_TOKEN', async () => {
    await api.anonymous().get('/api/hospitals');
    const res = await api.anonymous().request('GET', '/metrics', undefined, { authorization: `Bearer ${METRICS_TOKEN}` });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    expect(res.text).toMatch(/wakeward_http_requests_total\{method="GET",route="\/api\/hospitals",status="401"\} \d+/);
    expect(res.text).toContain('process_resident_memory_bytes');
  });

  it('/metrics without the token, or with another, is 401 asking for a bearer token', async () => {
    for (const authorization of [undefined, `Bearer ${METRICS_TOKEN}x`, `Basic ${METRICS_TOKEN}`]) {
      const res = await api.anonymous().request('GET', '/metrics', undefined, authorization ? { authorization } : {});
      expect(res.status, authorization).toBe(401);
      expect(res.body.error.code).toBe('METRICS_TOKEN_INVALID');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(res.text).not.toContain('wakeward_http_requests_total');
    }
  });

  it('every response carries a request id; a sane caller id is kept', async () => {
    const res = await api.anonymous().request('GET', '/healthz', undefined, { 'x-request-id': 'trace-123' });
    expect(res.headers.get('x-request-id')).toBe('trace-123');
    const generated = await api.anonymous().request('GET', '/healthz', undefined, { 'x-request-id': 'bad id with spaces' });
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('OpenAPI is served at /api/docs and /api/docs-json', async () => {
    const json = await api.anonymous().get('/api/docs-json');
    expect(json.status).toBe(200);
    expect(json.body.info.title).toBe('Wakeward API');
    expect(Object.keys(json.body.paths)).toEqual(expect.arrayContaining(['/api/kiosks', '/api/rules/{id}', '/api/auth/login']));
    expect((await api.anonymous().get('/api/docs')).text).toContain('swagger');
  });

  it('an unknown route is a JSON 404 in the API error format, never an HTML page', async () => {
    const res = await api.anonymous().get('/api/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
  });
});

describe('ops endpoints without METRICS_TOKEN and with API_DOCS=false', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ API_DOCS: 'false' });
  });
  afterAll(() => api?.close());

  it('/metrics does not exist, exactly like an unknown route', async () => {
    const metrics = await api.anonymous().request('GET', '/metrics', undefined, { authorization: 'Bearer anything-at-all-here' });
    const unknown = await api.anonymous().get('/metricz');
    expect(metrics.status).toBe(404);
    expect(metrics.body).toEqual({ error: { code: 'NOT_FOUND', message: 'Cannot GET /metrics' } });
    expect(unknown.body).toEqual({ error: { code: 'NOT_FOUND', message: 'Cannot GET /metricz' } });
  });

  it('serves no OpenAPI', async () => {
    expect((await api.anonymous().get('/api/docs-json')).status).toBe(404);
    expect((await api.anonymous().get('/api/docs')).status).toBe(404);
  });
});

describe('configuration', () => {
  it('refuses to start naming every bad setting', () => {
    try {
      loadConfig({ PORT: 'eighty', ROLE: 'boss', REDIS_URL: 'localhost:6379', DB_NAME: 'bad-name!', DB_POOL_SIZE: '0' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const message = (err as Error).message;
      for (const setting of ['PORT', 'ROLE', 'REDIS_URL', 'DB_NAME', 'DB_POOL_SIZE']) expect(message).toContain(`${setting}:`);
    }
  });

  it('never allows demo mode or a missing session secret in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', DEMO: 'true', SESSION_SECRET: 'x'.repeat(32) })).toThrow(/DEMO: demo mode is not allowed/);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/SESSION_SECRET: required/);
  });

  it('PUBLIC_ORIGIN lists origins (scheme, host, port; no path); production without it starts with a warning', () => {
    expect(loadConfig({ PUBLIC_ORIGIN: 'https://Wakeward.example/, http://10.0.0.5:8080' }).http.publicOrigins).toEqual([
      'https://wakeward.example',
      'http://10.0.0.5:8080',
    ]);
    expect(loadConfig({ PUBLIC_ORIGIN: '' }).http.publicOrigins).toBeNull();
    expect(() => loadConfig({ PUBLIC_ORIGIN: 'https://wakeward.example/console' })).toThrow(/PUBLIC_ORIGIN: comma-separated origins/);
    expect(() => loadConfig({ PUBLIC_ORIGIN: 'wakeward.example' })).toThrow(/PUBLIC_ORIGIN/);
    const production = { NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(32) };
    expect(configWarnings(loadConfig(production))).toEqual([expect.stringMatching(/^PUBLIC_ORIGIN is not set/)]);
    expect(configWarnings(loadConfig({ ...production, PUBLIC_ORIGIN: 'https://wakeward.example' }))).toEqual([]);
    expect(configWarnings(loadConfig({ PUBLIC_ORIGIN: '' }))).toEqual([]);
  });

  it('API_DOCS is on by default outside production only; METRICS_TOKEN has 16 characters or more', () => {
    const production = { NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(32) };
    expect(loadConfig({}).http).toMatchObject({ apiDocs: true, metricsToken: null });
    expect(loadConfig(production).http.apiDocs).toBe(false);
    expect(loadConfig({ ...production, API_DOCS: 'true' }).http.apiDocs).toBe(true);
    expect(loadConfig({ API_DOCS: 'false' }).http.apiDocs).toBe(false);
    expect(loadConfig({ METRICS_TOKEN: '' }).http.metricsToken).toBeNull();
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN: at least 16 characters/);
  });

  it('has defaults for development', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 3000, role: 'all', db: { host: '127.0.0.1', port: 3306, database: 'wakeward', poolSize: 20 } });
    expect(loadConfig({ DB_POOL_SIZE: '80' }).db.poolSize).toBe(80);
  });
});
