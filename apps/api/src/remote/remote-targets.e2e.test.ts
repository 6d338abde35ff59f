import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolAgent } from '../../testing/agent-kit';
import { loopbackRelayAgentConfig, startAgentProcess } from '../../testing/agent-processes';
import { seedTwoHospitals } from '../../testing/fixtures';
import { Client, startTestApi, TestApi } from '../../testing/test-app';
import { until } from '../../testing/wait';
import { RfbClient } from '../../testing/remote/rfb-client';
import { CountingListener, ListenerKind, smuggledRedisCommands, startListener } from '../../testing/remote/tcp-listeners';

/**
 * Issue 20: a kiosk's address pointed at the API host's Redis let a screen ticket
 * relay a viewer's bytes there. The relay connects only to kiosks' VNC servers: an
 * allowed port, an address in the site's (or relaying agent's) declared subnets and
 * never loopback, link-local or this host unless allowed, and it passes nothing of the
 * viewer before the far end has greeted as an RFB server. Every refusal has a stable
 * code and an audit entry, and the services behind the refused targets receive nothing.
 */
describe("the screen relay connects only to kiosks' VNC servers", () => {
  /** Loopback allowed (as for the demo and tests), ports: the listeners'. */
  let api: TestApi;
  /** REMOTE_ALLOW_TARGETS unset, as in production. */
  let strict: TestApi;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  let strictIds: Awaited<ReturnType<typeof seedTwoHospitals>>;
  let ops: Client;
  let strictOps: Client;
  const listeners = {} as Record<ListenerKind, CountingListener>;
  /** Listens on loopback, but its port is not in REMOTE_VNC_PORTS. */
  let unlisted: CountingListener;
  /** Listens on loopback, its port allowed, for the API that does not allow loopback. */
  let loopbackForStrict: CountingListener;
  const agents: { stop(): Promise<void> }[] = [];
  let serial = 0;

  const wsUrl = (a: TestApi, path: string) => a.url.replace(/^http/, 'ws') + path;

  async function kiosk(client: Client, siteId: string, ip: string, vncPort: number): Promise<string> {
    serial++;
    const mac = `02:00:00:00:72:${serial.toString(16).padStart(2, '0')}`;
    const res = await client.post('/api/kiosks', {
      siteId,
      code: `TGT-${serial}`,
      name: `Target ${serial}`,
      kind: 'registration',
      ip,
      mac,
      vncPort,
    });
    expect(res.status, res.text).toBe(201);
    return res.body.id;
  }

  /** Opens the screen with a ticket, sends the attack at once, and waits for the close. */
  async function attack(a: TestApi, client: Client, path: string) {
    const started = Date.now();
    const viewer = await RfbClient.open(wsUrl(a, path), { headers: { cookie: client.cookie! }, handshake: false });
    viewer.send(smuggledRedisCommands());
    const closed = await viewer.closed;
    return { ...closed, ms: Date.now() - started };
  }

  async function ticket(client: Client, kioskId: string) {
    const res = await client.post(`/api/kiosks/${kioskId}/screen-tickets`);
    expect(res.status, res.text).toBe(201);
    return res.body as { path: string };
  }

  async function refusals(a: TestApi, kioskId: string): Promise<Record<string, any>[]> {
    const rows = await a.db.query(
      `SELECT actor_name, entity_type, \`after\` FROM audit_entries WHERE action = 'access_denied' AND entity_type = 'remote_target' AND entity_id = ? ORDER BY id`,
      [kioskId],
    );
    return rows.map((r: any) => ({
      actor: r.actor_name,
      ...(typeof r.after === 'string' ? JSON.parse(r.after) : r.after),
    }));
  }

  const sessionCount = async (a: TestApi, kioskId: string) =>
    Number((await a.db.query('SELECT COUNT(*) AS n FROM remote_sessions WHERE kiosk_id = ?', [kioskId]))[0].n);

  beforeAll(async () => {
    for (const kind of ['silent', 'http', 'redis', 'banner'] as const) listeners[kind] = await startListener(kind);
    unlisted = await startListener('redis');
    loopbackForStrict = await startListener('redis');
    const ports = Object.values(listeners).map((l) => l.port);
    [api, strict] = await Promise.all([
      startTestApi({ REMOTE_CONNECT_TIMEOUT_MS: '1000', REMOTE_VNC_PORTS: `5900-5909,${ports.join(',')}` }),
      startTestApi({
        REMOTE_CONNECT_TIMEOUT_MS: '1000',
        REMOTE_VNC_PORTS: `5900,${loopbackForStrict.port}`,
        REMOTE_ALLOW_TARGETS: '',
      }),
    ]);
    [ids, strictIds] = await Promise.all([seedTwoHospitals(api.db), seedTwoHospitals(strict.db)]);
    [ops, strictOps] = await Promise.all([api.login('ops'), strict.login('ops')]);
    expect((await ops.patch(`/api/sites/${ids.siteA}`, { subnets: ['127.0.0.0/8', '169.254.0.0/16'] })).status).toBe(
      200,
    );
    expect(
      (await strictOps.patch(`/api/sites/${strictIds.siteA}`, { subnets: ['127.0.0.0/8', '10.0.0.0/8'] })).status,
    ).toBe(200);
  }, 120_000);

  afterAll(async () => {
    for (const a of agents) await a.stop();
    await Promise.all([api?.close(), strict?.close()]);
    for (const l of [...Object.values(listeners), unlisted, loopbackForStrict]) await l?.close();
  });

  it.each(['silent', 'http', 'redis'] as const)(
    "direct route, a %s listener: the viewer's bytes never reach it; REMOTE_NOT_VNC after the bounded wait, audited, no session",
    async (kind) => {
      const target = listeners[kind];
      const id = await kiosk(ops, ids.siteA, '127.0.0.1', target.port);
      const closed = await attack(api, ops, (await ticket(ops, id)).path);
      expect(closed).toMatchObject({ code: 4506, reason: 'REMOTE_NOT_VNC' });
      expect(closed.ms).toBeGreaterThanOrEqual(900);
      expect(closed.ms).toBeLessThan(5_000);
      expect(target.connections).toBeGreaterThan(0);
      expect(target.bytesReceived).toBe(0);
      expect(await refusals(api, id)).toEqual([
        expect.objectContaining({
          actor: 'ops',
          code: 'REMOTE_NOT_VNC',
          stage: 'open',
          route: 'direct',
          target: `127.0.0.1:${target.port}`,
        }),
      ]);
      expect(await sessionCount(api, id)).toBe(0);
    },
  );

  it('direct route, a service that speaks first but not RFB: REMOTE_NOT_VNC at once', async () => {
    const target = listeners.banner;
    const id = await kiosk(ops, ids.siteA, '127.0.0.1', target.port);
    const closed = await attack(api, ops, (await ticket(ops, id)).path);
    expect(closed).toMatchObject({ code: 4506, reason: 'REMOTE_NOT_VNC' });
    expect(closed.ms).toBeLessThan(900);
    expect(target.bytesReceived).toBe(0);
    expect((await refusals(api, id))[0].message).toMatch(/is not a VNC server: it answered "-ERR unknown"/);
  });

  it('link-local: no ticket (409 REMOTE_TARGET_REFUSED, saying what ops must fix), and refused again at open when the address changed after the ticket', async () => {
    const id = await kiosk(ops, ids.siteA, '169.254.169.254', 5900);
    const res = await ops.post(`/api/kiosks/${id}/screen-tickets`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('REMOTE_TARGET_REFUSED');
    expect(res.body.error.message).toMatch(/169\.254\.169\.254 is a link-local .*Ops: correct the kiosk's IP/);

    const later = await kiosk(ops, ids.siteA, '127.0.0.1', listeners.silent.port);
    const t = await ticket(ops, later);
    expect((await ops.patch(`/api/kiosks/${later}`, { ip: '169.254.1.1' })).status).toBe(200);
    const closed = await attack(api, ops, t.path);
    expect(closed).toMatchObject({ code: 4406, reason: 'REMOTE_TARGET_REFUSED' });
    expect(closed.ms).toBeLessThan(900); // refused before any connect
    expect((await refusals(api, id)).map((r) => r.stage)).toEqual(['ticket']);
    expect((await refusals(api, later)).map((r) => [r.code, r.stage])).toEqual([['REMOTE_TARGET_REFUSED', 'open']]);
  });

  it('loopback with REMOTE_ALLOW_TARGETS unset: refused at the ticket and at open; the listener there is never connected to', async () => {
    const id = await kiosk(strictOps, strictIds.siteA, '127.0.0.1', loopbackForStrict.port);
    const res = await strictOps.post(`/api/kiosks/${id}/screen-tickets`);
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({
      code: 'REMOTE_TARGET_REFUSED',
      message: expect.stringMatching(/127\.0\.0\.1 is a loopback/),
    });

    const moved = await kiosk(strictOps, strictIds.siteA, '10.200.0.10', loopbackForStrict.port);
    const t = await ticket(strictOps, moved);
    expect((await strictOps.patch(`/api/kiosks/${moved}`, { ip: '127.0.0.1' })).status).toBe(200);
    expect(await attack(strict, strictOps, t.path)).toMatchObject({ code: 4406, reason: 'REMOTE_TARGET_REFUSED' });
    expect(loopbackForStrict.connections).toBe(0);
    expect((await refusals(strict, id)).length + (await refusals(strict, moved)).length).toBe(2);
  });

  it("ports outside REMOTE_VNC_PORTS (Redis's 6379, a listening port not in the list): refused at the ticket and at open, never connected to", async () => {
    const redis = await kiosk(ops, ids.siteA, '127.0.0.1', 6379);
    const res = await ops.post(`/api/kiosks/${redis}/screen-tickets`);
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({
      code: 'REMOTE_TARGET_REFUSED',
      message: expect.stringMatching(/port 6379 is not a VNC port .*Ops: set the kiosk's VNC port/),
    });

    const id = await kiosk(ops, ids.siteA, '127.0.0.1', listeners.silent.port);
    const t = await ticket(ops, id);
    expect((await ops.patch(`/api/kiosks/${id}`, { vncPort: unlisted.port })).status).toBe(200);
    expect(await attack(api, ops, t.path)).toMatchObject({ code: 4406, reason: 'REMOTE_TARGET_REFUSED' });
    expect(unlisted.connections).toBe(0);
    expect((await refusals(api, redis)).map((r) => r.code)).toEqual(['REMOTE_TARGET_REFUSED']);
  });

  it("outside the site's declared subnets, or a site that declares none: refused", async () => {
    const outside = await kiosk(ops, ids.siteA, '10.1.2.3', 5900);
    const res = await ops.post(`/api/kiosks/${outside}/screen-tickets`);
    expect(res.body.error).toMatchObject({
      code: 'REMOTE_TARGET_REFUSED',
      message: expect.stringMatching(/outside the declared subnets/),
    });
    const undeclared = await kiosk(ops, ids.siteB, '127.0.0.1', listeners.silent.port);
    const none = await ops.post(`/api/kiosks/${undeclared}/screen-tickets`);
    expect(none.body.error).toMatchObject({
      code: 'REMOTE_TARGET_REFUSED',
      message: expect.stringMatching(/no subnets are declared.*declare the subnet it lives in on the site/),
    });
    // A self-run websockify is not handed refused targets either.
    const tokens = (await ops.get(`/api/sites/${ids.siteA}/websockify-tokens`)).text;
    expect(tokens).toContain(`127.0.0.1:${listeners.silent.port}`);
    expect(tokens).not.toMatch(/169\.254|10\.1\.2\.3|:6379/);
  });

  it('agent route, through a real agent: the same refusals, and nothing of the viewer reaches a service that is not VNC', async () => {
    await ops.request('PUT', `/api/sites/${ids.siteA}/remote-route`, { route: 'agent' });
    try {
      const enrolled = await enrolAgent(ops, ids.siteA, 'pi-targets', ['127.0.0.0/8', '169.254.0.0/16']);
      const ports = Object.values(listeners).map((l) => l.port);
      agents.push(
        await startAgentProcess({
          apiUrl: api.url,
          token: enrolled.token,
          name: 'pi-targets',
          config: loopbackRelayAgentConfig(ports),
        }),
      );
      await until(
        async () => (await ops.get(`/api/sites/${ids.siteA}/remote-route`)).body.relayAgents.length === 1,
        30_000,
        50,
      );

      for (const kind of ['silent', 'http', 'redis', 'banner'] as const) {
        const target = listeners[kind];
        const before = target.bytesReceived;
        const id = await kiosk(ops, ids.siteA, '127.0.0.1', target.port);
        const closed = await attack(api, ops, (await ticket(ops, id)).path);
        expect(closed, kind).toMatchObject({ code: 4506, reason: 'REMOTE_NOT_VNC' });
        expect(closed.ms).toBeLessThan(5_000);
        expect(target.bytesReceived - before, kind).toBe(0);
        expect(await refusals(api, id)).toEqual([
          expect.objectContaining({ code: 'REMOTE_NOT_VNC', route: 'agent', agentId: enrolled.agentId }),
        ]);
      }

      const linkLocal = await kiosk(ops, ids.siteA, '169.254.169.254', 5900);
      const refused = await ops.post(`/api/kiosks/${linkLocal}/screen-tickets`);
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({
        code: 'REMOTE_TARGET_REFUSED',
        message: expect.stringMatching(/link-local/),
      });
      const redis = await kiosk(ops, ids.siteA, '127.0.0.1', 6379);
      expect((await ops.post(`/api/kiosks/${redis}/screen-tickets`)).body.error.code).toBe('REMOTE_TARGET_REFUSED');
      const outside = await kiosk(ops, ids.siteA, '10.1.2.3', 5900);
      expect((await ops.post(`/api/kiosks/${outside}/screen-tickets`)).body.error).toMatchObject({
        code: 'REMOTE_TARGET_REFUSED',
        message: expect.stringMatching(/outside the declared subnets .*declare its subnet on the agent/),
      });
    } finally {
      await ops.request('PUT', `/api/sites/${ids.siteA}/remote-route`, { route: 'direct' });
    }
  }, 90_000);

  it('agent route: an agent that declares no subnets carries no screen', async () => {
    await ops.request('PUT', `/api/sites/${ids.siteB}/remote-route`, { route: 'agent' });
    await enrolAgent(ops, ids.siteB, 'pi-undeclared', []);
    const id = await kiosk(ops, ids.siteB, '127.0.0.1', listeners.silent.port);
    const res = await ops.post(`/api/kiosks/${id}/screen-tickets`);
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({
      code: 'REMOTE_TARGET_REFUSED',
      message: expect.stringMatching(/no subnets are declared/),
    });
  });
});
