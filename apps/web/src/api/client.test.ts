import { afterEach, describe, expect, it, vi } from 'vitest';
import { api } from './client';

describe('api paths', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('an id is one path segment: a value from the page URL cannot reach another route', async () => {
    const fetch = vi.fn(async () => new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } }));
    vi.stubGlobal('fetch', fetch);
    for (const forged of ['../agents/7f0c/rotate-token?', '../audit/12/undo#', '..', '.', '%2e%2e', 'a/b']) {
      fetch.mockClear();
      await api.createEnrolmentCode(forged).catch((err: Error) => expect(err.message).toMatch(/not a plain path/));
      // Either refused before any request, or a request to the same route with a strange site id (404 there).
      for (const [url] of fetch.mock.calls as unknown as [string][]) {
        const path = new URL(url, 'http://console.invalid').pathname;
        expect(path, forged).toMatch(/^\/api\/sites\/[^/]+\/enrolment-codes$/);
        expect(decodeURIComponent(path.split('/')[3]!), forged).toBe(forged);
      }
    }
    fetch.mockClear();
    await api.createEnrolmentCode('0b6f9c1e-2d7a-4a51-9c3e-5b1d2f3a4c5d');
    expect(fetch.mock.calls.map((c) => (c as unknown[])[0])).toEqual(['/api/sites/0b6f9c1e-2d7a-4a51-9c3e-5b1d2f3a4c5d/enrolment-codes']);
  });
});
