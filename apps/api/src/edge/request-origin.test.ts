import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { compileTrust } from '../common/client-address';
import { isStateChanging, ownOrigin, refusedOrigin } from './request-origin';

const request = (headers: Record<string, string>, remoteAddress = '127.0.0.1', encrypted = false) =>
  ({ headers, socket: { remoteAddress, encrypted } }) as unknown as IncomingMessage;

describe('ownOrigin', () => {
  it('is the scheme of the connection and the Host header', () => {
    expect(ownOrigin(request({ host: 'wakeward.example:3000' }, '10.0.0.9'))).toBe('http://wakeward.example:3000');
    expect(ownOrigin(request({ host: 'wakeward.example:443' }, '10.0.0.9', true))).toBe('https://wakeward.example');
  });

  it('takes X-Forwarded-Proto and X-Forwarded-Host only from a proxy TRUST_PROXY trusts', () => {
    const forwarded = {
      host: '127.0.0.1:3000',
      'x-forwarded-proto': 'https, http',
      'x-forwarded-host': 'wakeward.example',
    };
    const nginx = compileTrust(['127.0.0.1', '::1', '10.0.0.2']);
    expect(ownOrigin(request(forwarded, '127.0.0.1'), nginx)).toBe('https://wakeward.example');
    expect(ownOrigin(request(forwarded, '::ffff:127.0.0.1'), nginx)).toBe('https://wakeward.example');
    expect(ownOrigin(request(forwarded, '::1'), nginx)).toBe('https://wakeward.example');
    expect(ownOrigin(request(forwarded, '10.0.0.2'), nginx)).toBe('https://wakeward.example');
    expect(ownOrigin(request(forwarded, '10.0.0.9'), nginx)).toBe('http://127.0.0.1:3000');
    // TRUST_PROXY unset (false): even loopback's headers are not believed.
    expect(ownOrigin(request(forwarded, '127.0.0.1'), compileTrust(false))).toBe('http://127.0.0.1:3000');
    expect(ownOrigin(request(forwarded, '10.0.0.9'), compileTrust(1))).toBe('https://wakeward.example');
  });
});

describe('refusedOrigin', () => {
  const own = { host: 'wakeward.example' };

  it('lets the own origin through, by Origin or by Sec-Fetch-Site', () => {
    expect(refusedOrigin(request({ ...own, origin: 'http://wakeward.example' }), null, true)).toBeNull();
    expect(refusedOrigin(request({ ...own, 'sec-fetch-site': 'same-origin' }), null, true)).toBeNull();
  });

  it('refuses another origin, a null origin, and any Sec-Fetch-Site but same-origin', () => {
    expect(refusedOrigin(request({ ...own, origin: 'https://wakeward.example' }), null, false)).toMatch(/Origin/);
    expect(refusedOrigin(request({ ...own, origin: 'http://wakeward.example.evil' }), null, false)).toMatch(/Origin/);
    expect(refusedOrigin(request({ ...own, origin: 'null' }), null, false)).toMatch(/Origin/);
    expect(refusedOrigin(request({ ...own, 'sec-fetch-site': 'same-site' }), null, false)).toMatch(/same-site/);
    expect(
      refusedOrigin(
        request({ ...own, origin: 'http://wakeward.example', 'sec-fetch-site': 'cross-site' }),
        null,
        false,
      ),
    ).toMatch(/cross-site/);
  });

  it('with public origins, only those count, not the Host', () => {
    const listed = ['https://wakeward.example', 'https://10.0.0.5:8443'];
    expect(refusedOrigin(request({ host: 'internal:3000', origin: 'https://10.0.0.5:8443' }), listed, true)).toBeNull();
    expect(refusedOrigin(request({ host: 'internal:3000', origin: 'http://internal:3000' }), listed, true)).toMatch(
      /Origin/,
    );
  });

  it('without either header, passes unless proof is required', () => {
    expect(refusedOrigin(request(own), null, false)).toBeNull();
    expect(refusedOrigin(request(own), null, true)).toMatch(/neither/);
  });
});

it('only POST, PUT, PATCH and DELETE change things', () => {
  expect(['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE'].map(isStateChanging)).toEqual([
    false,
    false,
    false,
    true,
    true,
    true,
    true,
  ]);
});
