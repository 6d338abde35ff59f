/** The console's one typed client for the API: same-origin, session cookie, JSON errors. */
export interface ApiError {
  code: string;
  message: string;
  field?: string;
}

export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly error: ApiError,
  ) {
    super(error.message);
  }
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export interface Me {
  id: string;
  username: string;
  role: 'admin' | 'ops' | 'staff' | 'viewer';
  hospitalIds: string[] | 'all';
}

export interface Hospital {
  id: string;
  code: string;
  name: string;
}

export interface Site {
  id: string;
  hospitalId: string;
  name: string;
  timeZone: string;
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return undefined as T;
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiRequestError(res.status, json.error ?? { code: `HTTP_${res.status}`, message: res.statusText });
  return json as T;
}

export const api = {
  login: (username: string, password: string) => request<{ user: Me }>('POST', '/api/auth/login', { username, password }),
  logout: () => request<void>('POST', '/api/auth/logout'),
  me: () => request<{ user: Me }>('GET', '/api/auth/me'),
  hospitals: () => request<Page<Hospital>>('GET', '/api/hospitals?pageSize=500'),
  sites: () => request<Page<Site>>('GET', '/api/sites?pageSize=500'),
  kioskCount: (siteId: string) => request<Page<unknown>>('GET', `/api/kiosks?siteId=${siteId}&pageSize=1`).then((p) => p.total),
};
