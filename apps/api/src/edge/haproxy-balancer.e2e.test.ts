import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { LoopbackBalancer, startLoopbackBalancer } from '../../testing/loopback-balancer';
import { until } from '../../testing/wait';

/**
 * deploy/haproxy.cfg's behaviour, run for real with Debian's HAProxy in front of two
 * stand-in replicas on loopback that say who answered: round robin without
 * stickiness, X-Forwarded-For appended, WebSocket upgrades passed through and kept
 * open, a replica whose /readyz fails taken out and put back. (The whole system
 * behind it is the several-replicas test's.)
 */
interface Replica {
  name: string;
  ready: boolean;
  port: number;
  server: Server;
}

async function startReplica(name: string): Promise<Replica> {
  const replica = { name, ready: true, port: 0 } as Replica;
  replica.server = createServer((req: IncomingMessage, res) => {
    if (req.url === '/readyz') {
      res.writeHead(replica.ready ? 200 : 503).end(replica.ready ? 'ready' : 'failing');
      return;
    }
    // A slow answer stands for an agent's long poll.
    const delay = Number(new URL(req.url!, 'http://x').searchParams.get('wait') ?? 0) * 1000;
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ replica: name, forwardedFor: req.headers['x-forwarded-for'] ?? null }));
    }, delay);
  });
  const sockets = new WebSocketServer({ server: replica.server });
  sockets.on('connection', (ws) => ws.on('message', (m) => ws.send(`${name}:${m}`)));
  await new Promise<void>((r) => replica.server.listen(0, '127.0.0.1', r));
  replica.port = (replica.server.address() as AddressInfo).port;
  return replica;
}

describe('deploy/haproxy.cfg in front of two replicas', () => {
  let a: Replica;
  let b: Replica;
  let balancer: LoopbackBalancer;
  const ask = async (path = '/api/kiosks', headers: Record<string, string> = {}) => {
    const res = await fetch(`${balancer.url}${path}`, { headers });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toBeNull();
    return (await res.json()) as { replica: string; forwardedFor: string | null };
  };

  beforeAll(async () => {
    a = await startReplica('a');
    b = await startReplica('b');
    balancer = await startLoopbackBalancer({ servers: [a.port, b.port], checkInterval: '500ms' });
    // Both replicas seen healthy before the first request.
    await until(async () => new Set(await Promise.all([ask(), ask()]).then((r) => r.map((x) => x.replica))).size === 2, 10_000, 100);
  });

  afterAll(async () => {
    await balancer?.stop();
    for (const r of [a, b]) r?.server.closeAllConnections();
    await Promise.all([a, b].map((r) => r && new Promise((done) => r.server.close(done))));
  });

  it('sends requests round robin, one replica then the other, whatever cookie a client keeps', async () => {
    const answers: string[] = [];
    for (let i = 0; i < 8; i++) answers.push((await ask('/api/kiosks', { cookie: 'wk_session=abc' })).replica);
    expect(answers.filter((r) => r === 'a')).toHaveLength(4);
    for (let i = 1; i < answers.length; i++) expect(answers[i]).not.toBe(answers[i - 1]);
  });

  it("appends the address it saw to X-Forwarded-For, after whatever the client sent", async () => {
    expect((await ask()).forwardedFor).toBe('127.0.0.1');
    expect((await ask('/api/kiosks', { 'x-forwarded-for': '203.0.113.9' })).forwardedFor).toBe('203.0.113.9, 127.0.0.1');
  });

  it('waits for a slow answer (a long poll) and passes WebSocket upgrades through, kept open while quiet', async () => {
    const started = Date.now();
    await ask('/api/agent/v1/commands?wait=3');
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);

    const ws = new WebSocket(`${balancer.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const echo = (text: string) =>
      new Promise<string>((resolve) => {
        ws.once('message', (m) => resolve(String(m)));
        ws.send(text);
      });
    expect(await echo('hello')).toMatch(/^[ab]:hello$/);
    await new Promise((r) => setTimeout(r, 2000));
    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect(await echo('still there')).toMatch(/^[ab]:still there$/);
    ws.close();
  });

  it('refuses /api/internal/ (relay hops between replicas) with 404, WebSocket upgrade or not, never reaching a replica', async () => {
    const plain = await fetch(`${balancer.url}/api/internal/relay-hop`);
    expect(plain.status).toBe(404);
    const ws = new WebSocket(`${balancer.url.replace('http', 'ws')}/api/internal/relay-hop`);
    const status = await new Promise<number>((resolve, reject) => {
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => reject(new Error('the hop path was passed through')));
      ws.once('error', reject);
    });
    expect(status).toBe(404);
    ws.terminate();
    // The rest of /api still passes.
    expect((await ask('/api/internals-are-not-this')).replica).toMatch(/^[ab]$/);
  });

  it('takes a replica whose /readyz fails out of the rotation, and puts it back when it recovers', async () => {
    a.ready = false;
    try {
      await until(async () => (await Promise.all([ask(), ask(), ask(), ask()])).every((r) => r.replica === 'b'), 10_000, 100);
      for (let i = 0; i < 6; i++) expect((await ask()).replica).toBe('b');
    } finally {
      a.ready = true;
    }
    await until(async () => new Set((await Promise.all([ask(), ask(), ask(), ask()])).map((r) => r.replica)).size === 2, 10_000, 100);
  });
});
