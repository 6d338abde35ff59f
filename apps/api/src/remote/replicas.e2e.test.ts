import type Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AgentConfigSchema } from '../../../pi-agent/src/config';
import { RelayChannel } from '../../../pi-agent/src/relay/relay-channel';
import { memoryLogger } from '../../../pi-agent/testing/silent-log';
import { enrolAgent } from '../../testing/agent-kit';
import { REDIS } from '../redis/redis.module';
import { loopbackRelayAgentConfig, startAgentProcess } from '../../testing/agent-processes';
import { seedTwoHospitals } from '../../testing/fixtures';
import { RoundRobinProxy } from '../../testing/round-robin-proxy';
import { Client, startTestApi, TestApi } from '../../testing/test-app';
import { until } from '../../testing/wait';
import { AgentRelayHub, RelayClose } from './agent-relay.hub';
import { RELAY_HOP_PATH } from './relay-hop';
import { RelayRegistryRepository } from './relay-registry.repository';
import { RelayReplicas } from './relay-replicas';
import { RfbClient } from '../../testing/remote/rfb-client';
import { freeTcpPort, startVncKiosk, VncKiosk } from '../../testing/remote/vnc-kiosk';

/**
 * Issue 24: remote screens through an agent work whichever API replica the viewer
 * reaches. Two API instances share one database and Redis prefix; the agent's relay
 * channel sits on the first, the viewer's ticket and WebSocket go to the second,
 * which reaches the kiosk by a hop to the first. Relay channels piled up on one
 * replica move when another appears (rebalancing).
 */
describe('remote screens across API replicas', () => {
  let a: TestApi;
  let b: TestApi;
  let vnc: VncKiosk;
  let ids: Awaited<ReturnType<typeof seedTwoHospitals>>;
  let ops: Client;
  let kioskId: string;
  /** A kiosk whose VNC port nothing listens on. */
  let closedKioskId: string;
  let closedPort: number;
  const stops: Array<() => Promise<unknown>> = [];

  // Short intervals for the test (config, not sleeps): announcements every 0.2 s, rebalancing every 0.5 s.
  const replicaSettings = () => ({
    REMOTE_VNC_PORTS: `${vnc.port},${closedPort}`,
    REMOTE_CONNECT_TIMEOUT_MS: '2000',
    REPLICA_HEARTBEAT_S: '0.2',
    RELAY_REBALANCE_INTERVAL_S: '0.5',
  });
  const wsUrl = (api: TestApi, path: string) => api.url.replace(/^http/, 'ws') + path;
  const hubOf = (api: TestApi) => api.app.get(AgentRelayHub);
  const routeOn = async (api: TestApi) => (await new Client(api.url, ops.cookie).get(`/api/sites/${ids.siteA}/remote-route`)).body;

  beforeAll(async () => {
    [vnc, closedPort] = await Promise.all([startVncKiosk(), freeTcpPort()]);
    a = await startTestApi(replicaSettings());
    b = await startTestApi(replicaSettings(), { replicaOf: a });
    ids = await seedTwoHospitals(a.db);
    ops = await a.login('ops');
    expect((await ops.patch(`/api/sites/${ids.siteA}`, { subnets: ['127.0.0.0/8'] })).status).toBe(200);
    const kioskBase = { siteId: ids.siteA, name: 'Registration', kind: 'registration', ip: '127.0.0.1' };
    const kiosk = await ops.post('/api/kiosks', { ...kioskBase, code: 'HOP-01', mac: '02:00:00:00:24:01', vncPort: vnc.port });
    expect(kiosk.status, kiosk.text).toBe(201);
    kioskId = kiosk.body.id;
    const closedKiosk = await ops.post('/api/kiosks', { ...kioskBase, code: 'HOP-02', mac: '02:00:00:00:24:02', vncPort: closedPort });
    expect(closedKiosk.status, closedKiosk.text).toBe(201);
    closedKioskId = closedKiosk.body.id;
    expect((await ops.request('PUT', `/api/sites/${ids.siteA}/remote-route`, { route: 'agent' })).status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
    await b?.close();
    await a?.close();
    await vnc?.stop();
  });

  it("a viewer on replica B opens the screen through an agent whose channel is on replica A; remote-route is the same on both", async () => {
    const enrolled = await enrolAgent(ops, ids.siteA, 'pi-hop', ['127.0.0.0/8']);
    const agent = await startAgentProcess({ apiUrl: a.url, token: enrolled.token, name: 'pi-hop', config: loopbackRelayAgentConfig([vnc.port, closedPort]) });
    stops.push(() => agent.stop());
    await until(async () => hubOf(a).isConnected(enrolled.agentId), 30_000, 50);
    expect(hubOf(b).isConnected(enrolled.agentId)).toBe(false);
    // Both replicas give the same answer, whichever holds the channel.
    await until(async () => (await routeOn(b)).relayAgents?.length === 1, 10_000, 50);
    const [onA, onB] = [await routeOn(a), await routeOn(b)];
    expect(onB).toEqual(onA);
    expect(onA.relayAgents).toEqual([{ id: enrolled.agentId, name: 'pi-hop' }]);

    // Ticket and WebSocket on B: B has no channel of the agent and hops to A.
    const viewer = new Client(b.url, ops.cookie);
    for (let attempt = 0; attempt < 3; attempt++) {
      const ticket = await viewer.post(`/api/kiosks/${kioskId}/screen-tickets`);
      expect(ticket.status, ticket.text).toBe(201);
      expect(ticket.body.route).toBe('agent');
      const rfb = await RfbClient.open(wsUrl(b, ticket.body.path), { headers: { cookie: ops.cookie! } });
      expect(rfb.width).toBe(vnc.width);
      const { bytes } = await rfb.frame();
      expect(bytes).toBeGreaterThan(vnc.width * vnc.height);
      rfb.close();
      await rfb.closed;
    }
    const sessionsOf = async () =>
      (await a.db.query('SELECT route, agent_id, end_reason FROM remote_sessions WHERE kiosk_id = ?', [kioskId])) as Array<Record<string, string>>;
    await until(async () => (await sessionsOf()).filter((s) => s.end_reason).length === 3, 10_000, 50);
    expect(await sessionsOf()).toEqual(Array(3).fill({ route: 'agent', agent_id: enrolled.agentId, end_reason: 'VIEWER_CLOSED' }));

    // What goes wrong at the far end reaches the viewer with the code it would get on A.
    const closed = await viewer.post(`/api/kiosks/${closedKioskId}/screen-tickets`);
    expect(closed.status, closed.text).toBe(201);
    const refused = await RfbClient.open(wsUrl(b, closed.body.path), { headers: { cookie: ops.cookie! }, handshake: false });
    expect(await refused.closed).toEqual({ code: 4502, reason: 'VNC_PORT_CLOSED' });
  }, 90_000);

  it('the hop endpoint opens only with a one-time hop ticket issued for that replica: forged, reused, foreign or a session cookie get 401', async () => {
    const agentId = hubOf(a).all()[0].agent.id;
    const registry = a.app.get(RelayRegistryRepository);
    const replicaA = a.app.get(RelayReplicas).id;
    const replicaB = b.app.get(RelayReplicas).id;
    const hop = (headers: Record<string, string>) =>
      new Promise<{ status?: number; opened?: string }>((resolve) => {
        const ws = new WebSocket(wsUrl(a, RELAY_HOP_PATH), { headers });
        ws.once('unexpected-response', (_req, res) => {
          res.resume();
          resolve({ status: res.statusCode });
        });
        ws.once('message', (data) => {
          resolve({ status: 101, opened: String(data) });
          ws.close();
        });
        ws.once('error', () => undefined);
      });
    const ticketFor = (replicaId: string) => registry.issueHopTicket({ replicaId, agentId, kioskId, userId: ids.users.ops }, 10_000);

    expect(await hop({})).toEqual({ status: 401 });
    expect(await hop({ cookie: ops.cookie! })).toEqual({ status: 401 });
    expect(await hop({ authorization: `WakewardHop ${'x'.repeat(43)}` })).toEqual({ status: 401 });
    // A ticket for B is worth nothing on A (and is used up by the try).
    expect(await hop({ authorization: `WakewardHop ${await ticketFor(replicaB)}` })).toEqual({ status: 401 });
    const ticket = await ticketFor(replicaA);
    expect(await hop({ authorization: `WakewardHop ${ticket}` })).toEqual({ status: 101, opened: '{"opened":true}' });
    expect(await hop({ authorization: `WakewardHop ${ticket}` })).toEqual({ status: 401 });
    // The viewers' endpoint does not take hop tickets either.
    const asViewer = await RfbClient.open(wsUrl(a, `/api/remote/kiosks/${kioskId}/screen?ticket=${await ticketFor(replicaA)}`), {
      headers: { cookie: ops.cookie! },
      handshake: false,
    });
    expect(await asViewer.closed).toMatchObject({ code: 4403, reason: 'REMOTE_TICKET_INVALID' });
  }, 30_000);

  it('the holding replica reads the kiosk from MySQL and checks it again: a ticket for a kiosk, port, site or user the viewer replica would refuse opens nothing', async () => {
    const agentId = hubOf(a).all()[0].agent.id;
    const registry = a.app.get(RelayRegistryRepository);
    const replicaA = a.app.get(RelayReplicas).id;
    const redis = a.app.get(REDIS) as Redis;
    /** The hop's first message (opened, or the error) and how it closed. */
    const hop = (ticket: string) =>
      new Promise<{ status: number; first?: string; close?: { code: number; reason: string } }>((resolve) => {
        const ws = new WebSocket(wsUrl(a, RELAY_HOP_PATH), { headers: { authorization: `WakewardHop ${ticket}` } });
        let first: string | undefined;
        ws.once('unexpected-response', (_req, res) => {
          res.resume();
          resolve({ status: res.statusCode! });
        });
        ws.on('message', (data) => {
          first ??= String(data);
          if (first === '{"opened":true}') ws.close();
        });
        ws.once('close', (code, reason) => resolve({ status: 101, first, close: { code, reason: String(reason) } }));
        ws.once('error', () => undefined);
      });
    const ticket = (over: Partial<{ kioskId: string; userId: string; agentId: string }>) =>
      registry.issueHopTicket({ replicaId: replicaA, agentId, kioskId, userId: ids.users.ops, ...over }, 10_000);

    // A port outside REMOTE_VNC_PORTS: refused on A, whatever B asked.
    const odd = await ops.post('/api/kiosks', { siteId: ids.siteA, name: 'Odd port', kind: 'registration', ip: '127.0.0.1', code: 'HOP-03', mac: '02:00:00:00:24:03', vncPort: 22 });
    expect(odd.status, odd.text).toBe(201);
    const oddPort = await hop(await ticket({ kioskId: odd.body.id }));
    expect(oddPort.close).toEqual({ code: 4406, reason: 'REMOTE_TARGET_REFUSED' });
    expect(JSON.parse(oddPort.first!).error.message).toMatch(/^the relay refused the stream: .*port 22 is not a VNC port/);
    // A kiosk of another site (reached through agents too), which this agent does not serve.
    expect((await ops.patch(`/api/sites/${ids.siteB}`, { subnets: ['127.0.0.0/8'] })).status).toBe(200);
    expect((await ops.request('PUT', `/api/sites/${ids.siteB}/remote-route`, { route: 'agent' })).status).toBe(200);
    const foreign = await ops.post('/api/kiosks', { siteId: ids.siteB, name: 'Elsewhere', kind: 'registration', ip: '127.0.0.1', code: 'HOP-B1', mac: '02:00:00:00:24:b1', vncPort: vnc.port });
    expect(foreign.status, foreign.text).toBe(201);
    const otherSite = await hop(await ticket({ kioskId: foreign.body.id }));
    expect(otherSite.close).toEqual({ code: 4406, reason: 'REMOTE_TARGET_REFUSED' });
    expect(JSON.parse(otherSite.first!).error.message).toMatch(/the agent is not one of those of kiosk HOP-B1's site/);
    // A viewer who may not see the kiosk's hospital.
    expect((await hop(await ticket({ userId: ids.users['staff-b'] }))).close).toEqual({ code: 4404, reason: 'KIOSK_NOT_FOUND' });
    // The shape the tickets had: an address of the writer's choosing is no ticket at all.
    await redis.set(`relay:hop:${'h'.repeat(43)}`, JSON.stringify({ replicaId: replicaA, agentId, host: '127.0.0.1', port: vnc.port, timeoutMs: 2000 }), 'PX', 10_000);
    expect(await hop('h'.repeat(43))).toEqual({ status: 401 });
    // What the refusals say names no replica's address.
    for (const answer of [oddPort, otherSite]) {
      for (const url of [a.url, b.url]) expect(answer.first).not.toContain(new URL(url).host);
    }
    // Each refusal is in the audit log, kept apart from the request (recordDetached).
    const denied = async () =>
      (await a.db.query(`SELECT entity_id FROM audit_entries WHERE action = 'access_denied' AND entity_type = 'remote_target' AND entity_id IN (?, ?, ?)`, [
        odd.body.id,
        foreign.body.id,
        kioskId,
      ])) as Array<{ entity_id: string }>;
    await until(async () => (await denied()).length === 3, 5000, 50);
    // The real one still opens.
    expect(await hop(await ticket({}))).toMatchObject({ status: 101, first: '{"opened":true}' });
  }, 30_000);

  it('a malformed replica entry in Redis is skipped: the others still answer who holds which channel, and hops still open', async () => {
    const redis = a.app.get(REDIS) as Redis;
    await redis.hset('relay:replicas', {
      'not-json': '{"url":',
      'not-an-object': '[]',
      'file-url': JSON.stringify({ url: 'file:///etc/passwd', lastSeen: Date.now(), channels: 0 }),
      'url-with-path': JSON.stringify({ url: 'http://10.0.0.9:3000/evil', lastSeen: Date.now(), channels: 0 }),
      'no-last-seen': JSON.stringify({ url: 'http://10.0.0.9:3000', channels: 1 }),
    });
    try {
      const live = await a.app.get(RelayRegistryRepository).liveReplicas(0);
      expect(live.map((r) => r.id).sort()).toEqual([a.app.get(RelayReplicas).id, b.app.get(RelayReplicas).id].sort());
      expect((await routeOn(b)).relayAgents).toHaveLength(1);
      const ticket = await new Client(b.url, ops.cookie).post(`/api/kiosks/${kioskId}/screen-tickets`);
      expect(ticket.status, ticket.text).toBe(201);
      const rfb = await RfbClient.open(wsUrl(b, ticket.body.path), { headers: { cookie: ops.cookie! } });
      expect(rfb.width).toBe(vnc.width);
      rfb.close();
      await rfb.closed;
    } finally {
      await redis.hdel('relay:replicas', 'not-json', 'not-an-object', 'file-url', 'url-with-path', 'no-last-seen');
    }
  }, 30_000);

  it('relay channels piled up on one replica move to a new one (close code 4503, agents reconnect through the balancer)', async () => {
    // B goes away: every channel comes to A.
    await b.close();
    b = undefined as unknown as TestApi;
    const balancer = new RoundRobinProxy([new URL(a.url).port].map(Number));
    await balancer.start();
    stops.push(() => balancer.stop());
    const channels: RelayChannel[] = [];
    const logs: ReturnType<typeof memoryLogger>[] = [];
    for (let i = 0; i < 6; i++) {
      const enrolled = await enrolAgent(ops, ids.siteA, `pi-rebalance-${i}`, ['127.0.0.0/8']);
      const log = memoryLogger();
      const channel = new RelayChannel({
        apiUrl: balancer.url,
        token: () => enrolled.token,
        config: AgentConfigSchema.parse({ apiUrl: balancer.url, relay: { allowTargets: ['127.0.0.0/8'], allowedPorts: [vnc.port] } }).relay,
        subnets: ['127.0.0.0/8'],
        backoff: { initialMs: 100, maxMs: 1000 },
        log,
      });
      void channel.start();
      channels.push(channel);
      logs.push(log);
      stops.push(() => channel.stop());
    }
    await until(async () => hubOf(a).count === 7, 20_000, 50);
    // Alone, A keeps them all.
    expect(await a.app.get(RelayReplicas).rebalance()).toBe(0);

    // A new replica C appears behind the balancer.
    const c = await startTestApi(replicaSettings(), { replicaOf: a });
    stops.push(() => c.close());
    balancer.targets.push(Number(new URL(c.url).port));
    await until(async () => hubOf(c).count >= 2 && hubOf(a).count <= 5 && hubOf(a).count + hubOf(c).count === 7, 20_000, 50);
    // Every agent is connected again, and none took the close as final.
    await until(async () => channels.every((ch) => ch.connected), 10_000, 50);
    const closes = logs.flatMap((l) => l.lines).filter((l) => l.msg === 'relay channel closed; reconnecting');
    expect(closes.length).toBeGreaterThan(0);
    expect(closes.every((l) => l.level === 'warn' && (l.fields?.retryInMs as number) <= 100)).toBe(true);
    expect(RelayClose.REBALANCING.code).toBe(4503);

    // A screen still opens through C's agents, from A.
    const onC = new Set(hubOf(c).all().map((ch) => ch.agent.id));
    expect(onC.size).toBeGreaterThanOrEqual(2);
    const route = (await ops.get(`/api/sites/${ids.siteA}/remote-route`)).body;
    expect(route.relayAgents).toHaveLength(7);
  }, 90_000);
});
