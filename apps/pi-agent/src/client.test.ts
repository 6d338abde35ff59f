import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AgentApiClient,
  AgentApiError,
  ApiUnreachableError,
  ProtocolViolationError,
  backoffDelay,
  withBackoff,
} from './client';
import { FakeAgentApi } from './testing/fake-agent-api';

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
