/**
 * For tests only: a tiny stand-in for the API's agent endpoints on 127.0.0.1 that
 * records every request. The real end-to-end test runs against apps/api.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export type Handler = (
  req: RecordedRequest,
) =>
  | { status: number; body?: unknown; headers?: Record<string, string> }
  | Promise<{ status: number; body?: unknown; headers?: Record<string, string> }>;

export class FakeAgentApi {
  readonly requests: RecordedRequest[] = [];
  private readonly server = http.createServer((req, res) => void this.handle(req, res));
  private readonly routes = new Map<string, Handler>();
  /** Commands handed out by the next GET /commands. */
  pendingCommands: unknown[] = [];
  down = false;

  route(methodAndPath: string, handler: Handler): this {
    this.routes.set(methodAndPath, handler);
    return this;
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  of(methodAndPath: string): RecordedRequest[] {
    return this.requests.filter((r) => `${r.method} ${r.path.split('?')[0]}` === methodAndPath);
  }

  async waitFor(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (this.down) {
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const path = (req.url ?? '').replace(/^\/api\/agent\/v1/, '');
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      path,
      headers: req.headers,
      body: text ? JSON.parse(text) : undefined,
    };
    this.requests.push(recorded);
    const key = `${recorded.method} ${path.split('?')[0]}`;
    if (key === 'GET /commands' && !this.routes.has(key)) {
      // Hold the long poll like the real API: until commands are pending or `wait` passes.
      const waitMs = Number(new URL(path, 'http://x').searchParams.get('wait') ?? 0) * 1000;
      const deadline = Date.now() + waitMs;
      while (this.pendingCommands.length === 0 && Date.now() < deadline && !this.down)
        await new Promise((r) => setTimeout(r, 20));
      if (this.down) {
        req.socket.destroy();
        return;
      }
    }
    const handler = this.routes.get(key) ?? ((r) => this.defaultHandler(r));
    const answer = await handler(recorded);
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
  }

  private defaultHandler(req: RecordedRequest): { status: number; body?: unknown; headers?: Record<string, string> } {
    const path = req.path.split('?')[0];
    if (path === '/commands') {
      const commands = this.pendingCommands;
      this.pendingCommands = [];
      return { status: 200, body: { commands } };
    }
    if (path === '/heartbeat') return { status: 200, body: { serverTime: new Date().toISOString(), config: {} } };
    if (path === '/plan') return { status: 200, body: { generatedAt: new Date().toISOString(), items: [] } };
    if (path === '/readings') {
      const readings = (req.body as { readings: Array<{ seq: number }> }).readings;
      return { status: 200, body: { ackSeq: Math.max(...readings.map((r) => r.seq)) } };
    }
    return { status: 204 };
  }
}
