import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AgentApiClient,
  AgentApiError,
  ApiUnreachableError,
  ProtocolViolationError,
  backoffDelay,
  withBackoff,
} from './client';
import { FakeAgentApi } from '../testing/fake-agent-api';

let api: FakeAgentApi;
let baseUrl: string;
beforeEach(async () => {
  api = new FakeAgentApi();
  baseUrl = await api.start();
});
afterEach(() => api.stop());

describe('AgentApiClient against a recording HTTP server', () => {
  it('enrolls without a token and sends the bearer token afterwards', async () => {
    api.route('POST /enroll', () => ({ status: 201, body: { agentId: 'agt_1', token: 'tok_secret' } }));
    const client = new AgentApiClient({ baseUrl: baseUrl + '/' });
    const res = await client.enroll({
      code: 'ABC',
      name: 'pi-3',
      hostname: 'pi3',
      version: '0.1.0',
      subnets: ['10.1.2.0/24'],
    });
    expect(res).toMatchObject({ agentId: 'agt_1', token: 'tok_secret' });
    expect(api.requests[0]).toMatchObject({
      method: 'POST',
      path: '/enroll',
      body: { code: 'ABC', subnets: ['10.1.2.0/24'] },
    });
    expect(api.requests[0]!.headers.authorization).toBeUndefined();

    client.token = res.token;
    await client.heartbeat({ version: '0.1.0', uptimeS: 1, time: new Date().toISOString(), buffered: 0 });
    expect(api.requests[1]!.headers.authorization).toBe('Bearer tok_secret');
  });

  it('long-polls commands, keeping valid ones and reporting malformed ones', async () => {
    api.pendingCommands = [
      {
        id: 'cmd_1',
        type: 'wake',
        dueAt: '2026-01-26T23:00:00.000Z',
        expiresAt: '2026-01-26T23:05:00.000Z',
        targets: [{ kioskId: 'k1', mac: '00:1a:2b:3c:4d:5e', broadcast: '10.1.2.255', futureField: 1 }],
      },
      { id: 'cmd_2', type: 'cancel', cancels: 'cmd_0' },
      { id: 'cmd_3', type: 'wake', dueAt: 'tomorrow', expiresAt: 'later', targets: [] },
    ];
    const client = new AgentApiClient({ baseUrl, token: 't' });
    const polled = await client.pollCommands(5);
    expect(polled.commands.map((c) => c.id)).toEqual(['cmd_1', 'cmd_2']);
    expect(polled.rejected).toHaveLength(1);
    expect(polled.rejected[0]!.problem).toMatch(/dueAt/);
    expect(api.requests[0]!.path).toBe('/commands?wait=5');
  });

  it('surfaces JSON error bodies as typed errors with their code and Retry-After', async () => {
    api.route('POST /heartbeat', () => ({
      status: 401,
      body: { error: { code: 'AGENT_TOKEN_REVOKED', message: 'token revoked' } },
    }));
    api.route('POST /probes', () => ({
      status: 429,
      body: { error: { code: 'RATE_LIMITED', message: 'slow down' } },
      headers: { 'retry-after': '7' },
    }));
    const client = new AgentApiClient({ baseUrl, token: 't' });
    const err = await client
      .heartbeat({ version: '0.1.0', uptimeS: 1, time: '', buffered: 0 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentApiError);
    expect(err).toMatchObject({ status: 401, code: 'AGENT_TOKEN_REVOKED', message: 'token revoked', transient: false });
    const limited = await client.reportProbes({ observedAt: '', results: [] }).catch((e: unknown) => e);
    expect(limited).toMatchObject({ status: 429, code: 'RATE_LIMITED', retryAfterMs: 7000, transient: true });
  });

  it('flags answers that break the protocol', async () => {
    api.route('POST /heartbeat', () => ({ status: 200, body: { hello: 'world' } }));
    const client = new AgentApiClient({ baseUrl, token: 't' });
    await expect(client.heartbeat({ version: '0.1.0', uptimeS: 1, time: '', buffered: 0 })).rejects.toBeInstanceOf(
      ProtocolViolationError,
    );
  });

  it('uses If-None-Match for the plan and understands 304', async () => {
    api.route('GET /plan', (req) =>
      req.headers['if-none-match'] === '"v1"'
        ? { status: 304 }
        : {
            status: 200,
            body: {
              generatedAt: '2026-01-26T00:00:00.000Z',
              items: [{ at: '2026-01-26T23:00:00.000Z', type: 'wake', targets: [{ kioskId: 'k1' }] }],
            },
            headers: { etag: '"v1"' },
          },
    );
    const client = new AgentApiClient({ baseUrl, token: 't' });
    const first = await client.getPlan(48);
    expect(first).toMatchObject({ notModified: false, etag: '"v1"' });
    expect(await client.getPlan(48, '"v1"')).toEqual({ notModified: true });
    expect(api.requests.map((r) => r.path)).toEqual(['/plan?hours=48', '/plan?hours=48']);
  });

  it('posts results, probes, offline actions and readings in protocol shape', async () => {
    const client = new AgentApiClient({ baseUrl, token: 't' });
    await client.reportResult('cmd/1', {
      status: 'done',
      startedAt: 'a',
      finishedAt: 'b',
      targets: [{ kioskId: 'k1', ok: true, error: null }],
    });
    await client.reportOfflineActions([{ at: 'a', type: 'wake', kioskIds: ['k1'], executedAt: 'b' }]);
    const ack = await client.sendReadings([{ seq: 5, at: 'a', temperatureC: 24 }]);
    expect(ack).toEqual({ ackSeq: 5 });
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /commands/cmd%2F1/result',
      'POST /offline-actions',
      'POST /readings',
    ]);
    expect(api.requests[1]!.body).toEqual({ actions: [{ at: 'a', type: 'wake', kioskIds: ['k1'], executedAt: 'b' }] });
  });

  it('reports a refused connection as ApiUnreachableError and marks contact lost', async () => {
    const contacts: boolean[] = [];
    await api.stop();
    const client = new AgentApiClient({ baseUrl, token: 't', onContact: (ok) => contacts.push(ok) });
    await expect(client.heartbeat({ version: '0.1.0', uptimeS: 1, time: '', buffered: 0 })).rejects.toBeInstanceOf(
      ApiUnreachableError,
    );
    expect(contacts).toEqual([false]);
    api = new FakeAgentApi();
    await api.start();
  });
});

describe('AgentApiClient on keep-alive sockets', () => {
  /** A bare server whose handler the test writes; counts the TCP connections it accepts. */
  async function rawServer(handler: http.RequestListener) {
    const server = http.createServer(handler);
    let connections = 0;
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      connections: () => connections,
      close: () => {
        server.closeAllConnections();
        return new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  }
  const heartbeatOk = JSON.stringify({ serverTime: new Date().toISOString() });
  const beat = { version: '0.1.0', uptimeS: 1, time: '', buffered: 0 };

  it('sends one request after another over the same connection', async () => {
    const server = await rawServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(heartbeatOk),
    );
    const client = new AgentApiClient({ baseUrl: server.url, token: 't' });
    for (let i = 0; i < 5; i++) await client.heartbeat(beat);
    expect(server.connections()).toBe(1);
    client.close();
    await server.close();
  });

  it('sends a request again, once, when the server had closed the kept-alive socket it went out on', async () => {
    let requests = 0;
    const server = await rawServer((req, res) => {
      requests++;
      // The second request arrives on the reused socket: drop it unanswered, as a
      // server does whose keep-alive timeout ran out at that moment.
      if (requests === 2) return void req.socket.destroy();
      res.writeHead(200, { 'content-type': 'application/json' }).end(heartbeatOk);
    });
    const contacts: boolean[] = [];
    const client = new AgentApiClient({ baseUrl: server.url, token: 't', onContact: (ok) => contacts.push(ok) });
    await client.heartbeat(beat);
    await expect(client.heartbeat(beat)).resolves.toHaveProperty('serverTime');
    expect(requests).toBe(3);
    expect(contacts).toEqual([true, true]);
    client.close();
    await server.close();
  });

  it('gives up on an answer that does not come within the timeout, as unreachable', async () => {
    const server = await rawServer(() => {
      /* never answers */
    });
    const client = new AgentApiClient({ baseUrl: server.url, token: 't', requestTimeoutMs: 200 });
    const started = Date.now();
    const err = await client.heartbeat(beat).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiUnreachableError);
    expect((err as Error).message).toBe('POST /heartbeat: ETIMEDOUT');
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    client.close();
    await server.close();
  });

  it('stops a long poll at once when its signal aborts, without calling it an outage', async () => {
    const server = await rawServer(() => {
      /* holds the poll */
    });
    const contacts: boolean[] = [];
    const client = new AgentApiClient({ baseUrl: server.url, token: 't', onContact: (ok) => contacts.push(ok) });
    const stop = new AbortController();
    const poll = client.pollCommands(25, stop.signal).catch((e: unknown) => e);
    setTimeout(() => stop.abort(), 50);
    const err = await poll;
    expect(err).not.toBeInstanceOf(ApiUnreachableError);
    expect((err as Error).name).toBe('AbortError');
    client.close();
    await server.close();
  });

  it('calls an answer that is not JSON a protocol violation, and a non-JSON error page an HTTP_ code', async () => {
    const server = await rawServer((req, res) => {
      if (req.url?.endsWith('/heartbeat'))
        return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>');
      res.writeHead(502, { 'content-type': 'text/html' }).end('<html>bad gateway</html>');
    });
    const client = new AgentApiClient({ baseUrl: server.url, token: 't' });
    await expect(client.heartbeat(beat)).rejects.toBeInstanceOf(ProtocolViolationError);
    await expect(client.sendReadings([])).rejects.toMatchObject({ status: 502, code: 'HTTP_502', transient: true });
    client.close();
    await server.close();
  });
});

describe('withBackoff', () => {
  it('retries connection errors with growing, jittered delays, then succeeds', async () => {
    const delays: number[] = [];
    let calls = 0;
    const value = await withBackoff(
      async () => {
        if (++calls < 5) throw new ApiUnreachableError('down');
        return 'ok';
      },
      { initialMs: 100, maxMs: 1000, random: () => 1, sleep: async (ms) => void delays.push(ms) },
    );
    expect(value).toBe('ok');
    expect(delays).toEqual([100, 200, 400, 800]);
  });

  it('does not retry a client error', async () => {
    let calls = 0;
    await expect(
      withBackoff(
        async () => {
          calls++;
          throw new AgentApiError(400, 'INVALID', 'bad');
        },
        { initialMs: 1, maxMs: 1, sleep: async () => {} },
      ),
    ).rejects.toThrow('bad');
    expect(calls).toBe(1);
  });

  it('keeps delays between half the ceiling and the ceiling, capped', () => {
    for (let attempt = 1; attempt < 40; attempt++) {
      const ceiling = Math.min(60_000, 1000 * 2 ** (attempt - 1));
      expect(backoffDelay(attempt, { initialMs: 1000, maxMs: 60_000, random: () => 0 })).toBe(ceiling / 2);
      expect(backoffDelay(attempt, { initialMs: 1000, maxMs: 60_000, random: () => 0.999999 })).toBeLessThanOrEqual(
        ceiling,
      );
    }
  });
});
