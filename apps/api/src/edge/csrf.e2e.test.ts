import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { enrolAgent } from '../../testing/agent-kit';
import { freeTcpPort } from '../../testing/remote/vnc-kiosk';
import { seedTwoHospitals, TEST_PASSWORD } from '../../testing/fixtures';
import { Client, readReply, startTestApi, TestApi } from '../../testing/test-app';

/**
 * What another site's page can make a signed-in browser send: form posts (no
 * preflight: text/plain, urlencoded or multipart bodies, or none), and WebSockets.
 * The browser adds the session cookie to none of them today (SameSite=Strict), but
 * a sibling site, an old browser or a lax cookie would: the API refuses them itself.
 */
describe('the web edge: requests from another site', () => {
  const EVIL = 'https://evil.example';
  let api: TestApi;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  let ops: Client;
  let kioskId: string;
  const header = 'code,name,kind,location,ip,mac,subnet,vncPort,notes';
  const csv = `${header}\nIMP-01,Imported,registration,Hall,127.0.0.1,00:1a:2b:3c:4d:71,127.0.0.0/8,5900,`;

  const count = async (sql: string) => Number((await api.db.query(sql))[0].n);
  const denials = () =>
    api.db.query(
      `SELECT actor_name AS actor, entity_id AS route, \`after\` AS a FROM audit_entries WHERE action = 'access_denied' ORDER BY id`,
    ) as Promise<{ actor: string; route: string; a: string | { code: string } }[]>;
  const codeOf = (a: string | { code: string }) => (typeof a === 'string' ? JSON.parse(a) : a).code;
  /** A request as a browser would send it, with the cookie and whatever headers the test names. */
  const raw = async (method: string, path: string, headers: Record<string, string>, body?: string) =>
    readReply(await fetch(`${api.url}${path}`, { method, headers, body }));

  beforeAll(async () => {
    const vncPort = await freeTcpPort();
    api = await startTestApi({ REMOTE_VNC_PORTS: String(vncPort) });
    ids = await seedTwoHospitals(api.db);
    ops = await api.login('ops');
    // The screen relay connects only inside the site's declared subnets (loopback allowed in tests).
    expect((await ops.patch(`/api/sites/${ids.siteA}`, { subnets: ['127.0.0.0/8'] })).status).toBe(200);
    const kiosk = await ops.post('/api/kiosks', {
      siteId: ids.siteA,
      code: 'MZ-1F-01',
      name: 'Registration 1',
      kind: 'registration',
      location: 'Lobby',
      ip: '127.0.0.1',
      mac: '00:1a:2b:3c:4d:01',
      subnet: '127.0.0.0/8',
      vncPort,
    });
    expect(kiosk.status, kiosk.text).toBe(201);
    kioskId = kiosk.body.id;
  });
  afterAll(() => api?.close());

  it('the CSV import takes only text/csv: a body an HTML form can send is refused, even from the console, and stores nothing', async () => {
    const before = await count('SELECT COUNT(*) AS n FROM kiosks');
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await ops.request('POST', `/api/sites/${ids.siteA}/kiosks/import`, csv, { 'content-type': type });
      expect(res.status, type).toBe(400);
      expect(res.body.error.code, type).toBe('IMPORT_NOT_CSV');
    }
    expect(await count('SELECT COUNT(*) AS n FROM kiosks')).toBe(before);
  });

  it('a text/plain import posted by another site is refused', async () => {
    const res = await raw(
      'POST',
      `/api/sites/${ids.siteA}/kiosks/import`,
      { cookie: ops.cookie!, origin: EVIL, 'content-type': 'text/plain' },
      csv,
    );
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('CSRF_ORIGIN_REFUSED');
    expect(await count(`SELECT COUNT(*) AS n FROM kiosks WHERE code = 'IMP-01'`)).toBe(0);
  });

  it('body-less form posts of another site (enrolment code, screen ticket, logout) are refused and audited naming the user', async () => {
    const codesBefore = await count('SELECT COUNT(*) AS n FROM enrolment_codes');
    const paths = [
      `/api/sites/${ids.siteA}/enrolment-codes`,
      `/api/kiosks/${kioskId}/screen-tickets`,
      '/api/auth/logout',
    ];
    for (const path of paths) {
      const res = await raw('POST', path, { cookie: ops.cookie!, origin: EVIL, 'sec-fetch-site': 'cross-site' });
      expect(res.status, path).toBe(403);
      expect(res.body.error.code, path).toBe('CSRF_ORIGIN_REFUSED');
    }
    expect(await count('SELECT COUNT(*) AS n FROM enrolment_codes')).toBe(codesBefore);
    expect((await ops.get('/api/auth/me')).status).toBe(200); // not logged out
    const refused = (await denials()).filter((d) => codeOf(d.a) === 'CSRF_ORIGIN_REFUSED');
    expect(refused.map((d) => [d.actor, d.route])).toEqual(
      expect.arrayContaining([
        ['ops', 'POST /api/sites/:siteId/enrolment-codes'],
        ['ops', 'POST /api/kiosks/:id/screen-tickets'],
        ['ops', 'POST /api/auth/logout'],
      ]),
    );
  });

  it('PUT, PATCH and DELETE from another site are refused alike; reads are not checked', async () => {
    const json = { cookie: ops.cookie!, origin: EVIL, 'content-type': 'application/json' };
    expect((await raw('PATCH', `/api/kiosks/${kioskId}`, json, JSON.stringify({ name: 'Renamed' }))).status).toBe(403);
    expect(
      (await raw('PUT', `/api/sites/${ids.siteA}/thresholds`, json, JSON.stringify({ temperatureMaxC: 99 }))).status,
    ).toBe(403);
    expect((await raw('DELETE', `/api/kiosks/${kioskId}`, { cookie: ops.cookie!, origin: EVIL })).status).toBe(403);
    expect((await ops.get(`/api/kiosks/${kioskId}`)).body.name).toBe('Registration 1');
    expect((await raw('GET', `/api/kiosks/${kioskId}`, { cookie: ops.cookie!, origin: EVIL })).status).toBe(200);
  });

  it('Sec-Fetch-Site other than same-origin is refused, and so is Origin: null', async () => {
    const path = `/api/sites/${ids.siteA}/enrolment-codes`;
    for (const site of ['cross-site', 'same-site', 'none']) {
      expect((await raw('POST', path, { cookie: ops.cookie!, 'sec-fetch-site': site })).status, site).toBe(403);
    }
    expect((await raw('POST', path, { cookie: ops.cookie!, origin: 'null' })).status).toBe(403);
  });

  it('a change with the session cookie but neither Origin nor Sec-Fetch-Site is refused: a script must send Origin', async () => {
    const path = `/api/sites/${ids.siteA}/enrolment-codes`;
    const bare = await raw('POST', path, { cookie: ops.cookie! });
    expect(bare.status).toBe(403);
    expect(bare.body.error.code).toBe('CSRF_ORIGIN_REFUSED');
    expect((await raw('POST', path, { cookie: ops.cookie!, origin: api.url })).status).toBe(201);
  });

  it("the console's own pages pass: their Origin, or Sec-Fetch-Site: same-origin", async () => {
    const path = `/api/sites/${ids.siteA}/enrolment-codes`;
    expect((await ops.post(path)).status).toBe(201); // the test client sends the console's Origin
    expect((await raw('POST', path, { cookie: ops.cookie!, 'sec-fetch-site': 'same-origin' })).status).toBe(201);
    expect(
      (await raw('POST', path, { cookie: ops.cookie!, origin: api.url, 'sec-fetch-site': 'same-origin' })).status,
    ).toBe(201);
  });

  it('the origin a proxy forwards counts only from a proxy TRUST_PROXY names (here none: forged headers are ignored)', async () => {
    const res = await raw('POST', `/api/sites/${ids.siteA}/enrolment-codes`, {
      cookie: ops.cookie!,
      origin: 'https://wakeward.example',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'wakeward.example',
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('CSRF_ORIGIN_REFUSED');
  });

  it('login from another site is refused and sets no cookie (login CSRF); a script without Origin may log in', async () => {
    const body = JSON.stringify({ username: 'viewer', password: TEST_PASSWORD });
    const json = { 'content-type': 'application/json' };
    const evil = await raw('POST', '/api/auth/login', { ...json, origin: EVIL }, body);
    expect(evil.status).toBe(403);
    expect(evil.body.error.code).toBe('CSRF_ORIGIN_REFUSED');
    expect(evil.headers.get('set-cookie')).toBeNull();
    const form = await raw(
      'POST',
      '/api/auth/login',
      { 'content-type': 'text/plain', 'sec-fetch-site': 'cross-site' },
      body,
    );
    expect(form.status).toBe(403);
    const script = await raw('POST', '/api/auth/login', json, body);
    expect(script.status).toBe(200);
    expect(script.headers.get('set-cookie')).toMatch(/^wk_session=/);
  });

  it('the agent protocol (bearer token, no cookie) is unaffected', async () => {
    const agent = await enrolAgent(ops, ids.siteA, 'pi-edge', ['127.0.0.0/8']);
    const beat = { version: '1.2.0', uptimeS: 5, time: new Date().toISOString(), buffered: 0 };
    expect((await agent.client.post('/heartbeat', beat)).status).toBe(200);
    // Whatever a proxy or HTTP library adds, the bearer token is what counts.
    const proxied = await agent.client.request('POST', '/heartbeat', beat, {
      origin: EVIL,
      'sec-fetch-site': 'cross-site',
    });
    expect(proxied.status).toBe(200);
  });

  it('socket.io: a socket opened by another site with the cookie is closed without hearing anything', async () => {
    const connect = (origin: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = io(api.url, {
          path: '/socket.io',
          transports: ['websocket'],
          reconnection: false,
          extraHeaders: { cookie: ops.cookie!, origin },
        });
        socket.once('ready', () => (resolve('ready'), socket.close()));
        socket.once('disconnect', () => resolve('disconnected'));
        socket.once('connect_error', reject);
      });
    expect(await connect(EVIL)).toBe('disconnected');
    expect(await connect(api.url)).toBe('ready');
    expect((await denials()).map((d) => d.route)).toContain('WS /socket.io');
  });

  it("the screen WebSocket from another site's page is refused before its ticket is used", async () => {
    const ticket = await ops.post(`/api/kiosks/${kioskId}/screen-tickets`);
    expect(ticket.status, ticket.text).toBe(201);
    const url = api.url.replace(/^http/, 'ws') + ticket.body.path;
    const open = (origin: string) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(url, ['binary'], { headers: { cookie: ops.cookie! }, origin });
        ws.once('unexpected-response', (_req, res) => (resolve(`HTTP ${res.statusCode}`), res.resume()));
        ws.once('close', (code, reason) => resolve(`${code} ${reason.toString()}`));
        ws.once('error', () => undefined);
      });
    expect(await open(EVIL)).toBe('HTTP 403');
    // The ticket is still good: the console's page gets as far as the kiosk (whose VNC port is closed).
    expect(await open(api.url)).toBe('4502 VNC_PORT_CLOSED');
  });
});

describe('the web edge with PUBLIC_ORIGIN', () => {
  let api: TestApi;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  beforeAll(async () => {
    api = await startTestApi({ PUBLIC_ORIGIN: 'https://wakeward.example, https://10.20.0.5:8443/' });
    ids = await seedTwoHospitals(api.db);
  });
  afterAll(() => api?.close());

  it('only the listed origins may sign in and change things; the Host it was reached by is not enough', async () => {
    const login = (origin: string) =>
      api.anonymous().request('POST', '/api/auth/login', { username: 'ops', password: TEST_PASSWORD }, { origin });
    expect((await login(api.url)).status).toBe(403);
    const res = await login('https://wakeward.example');
    expect(res.status).toBe(200);
    const ops = new Client(api.url, res.headers.get('set-cookie')!.split(';')[0]);
    const path = `/api/sites/${ids.siteA}/enrolment-codes`;
    expect((await ops.request('POST', path, undefined, { origin: 'https://10.20.0.5:8443' })).status).toBe(201);
    expect((await ops.request('POST', path, undefined, { origin: 'https://wakeward.example' })).status).toBe(201);
    expect((await ops.request('POST', path, undefined, { origin: api.url })).status).toBe(403);
    expect((await ops.request('POST', path, undefined, { origin: 'http://wakeward.example' })).status).toBe(403);
  });
});
