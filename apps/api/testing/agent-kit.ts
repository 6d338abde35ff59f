import { readReply, type Client, type Reply } from './test-app';

/**
 * Test helpers for the agent protocol (used by the *.e2e.test.ts beside it):
 * an agent-side HTTP client with a bearer token, and enrolment through the real
 * endpoints. No vitest import, so it compiles with the API.
 */
export class AgentClient {
  constructor(
    readonly baseUrl: string,
    public token: string,
  ) {}

  async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Reply<T>> {
    const res = await fetch(`${this.baseUrl}/api/agent/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    return readReply<T>(res);
  }

  get<T = any>(path: string, headers?: Record<string, string>, signal?: AbortSignal) {
    return this.request<T>('GET', path, undefined, headers, signal);
  }
  post<T = any>(path: string, body?: unknown) {
    return this.request<T>('POST', path, body);
  }
}

export async function enrolmentCode(ops: Client, siteId: string): Promise<string> {
  const res = await ops.post(`/api/sites/${siteId}/enrolment-codes`);
  if (res.status !== 201) throw new Error(`enrolment code: ${res.status} ${res.text}`);
  return res.body.code;
}

/** Enrols an agent through the API as a Pi would, returning its client. */
export async function enrolAgent(ops: Client, siteId: string, name: string, subnets = ['10.1.2.0/24'], baseUrl = ops.baseUrl) {
  const code = await enrolmentCode(ops, siteId);
  const res = await fetch(`${baseUrl}/api/agent/v1/enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, name, hostname: `${name}.local`, version: '1.2.0', subnets }),
  });
  const body = (await res.json()) as { agentId: string; token: string };
  if (res.status !== 201) throw new Error(`enroll: ${res.status} ${JSON.stringify(body)}`);
  return { agentId: body.agentId, token: body.token, client: new AgentClient(baseUrl, body.token) };
}
