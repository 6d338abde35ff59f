import type { IncomingMessage } from 'node:http';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config/config';
import { clientAddress, ProxyTrust } from './client-address';

/** The trust function Express compiles from TRUST_PROXY, as the API sets it. */
function trustOf(value?: string): ProxyTrust {
  const app = express();
  app.set('trust proxy', loadConfig(value === undefined ? {} : { TRUST_PROXY: value }).trustProxy);
  return app.get('trust proxy fn');
}

const request = (remoteAddress: string, forwardedFor?: string) =>
  ({
    socket: { remoteAddress },
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  }) as unknown as IncomingMessage;

describe('TRUST_PROXY and the client address', () => {
  it('unset or false: the socket address, whatever X-Forwarded-For says', () => {
    for (const value of [undefined, 'false', '0', '']) {
      expect(clientAddress(request('127.0.0.1', '203.0.113.7'), trustOf(value))).toBe('127.0.0.1');
    }
  });

  it("a hop count: that many proxies' entries are believed, no more", () => {
    expect(clientAddress(request('172.30.0.10', '198.51.100.1, 203.0.113.7'), trustOf('1'))).toBe('203.0.113.7');
    expect(clientAddress(request('172.30.0.10', '198.51.100.1, 203.0.113.7'), trustOf('2'))).toBe('198.51.100.1');
    expect(clientAddress(request('172.30.0.10'), trustOf('1'))).toBe('172.30.0.10');
  });

  it('addresses and CIDRs: only a request from one of them is believed', () => {
    const trust = trustOf('172.30.0.10, 10.8.0.0/16,::1');
    expect(clientAddress(request('172.30.0.10', '203.0.113.7'), trust)).toBe('203.0.113.7');
    expect(clientAddress(request('::ffff:172.30.0.10', '203.0.113.7'), trust)).toBe('203.0.113.7');
    expect(clientAddress(request('10.8.3.4', '10.8.0.1, 203.0.113.7'), trust)).toBe('203.0.113.7');
    expect(clientAddress(request('::1', '203.0.113.7'), trust)).toBe('203.0.113.7');
    // A client reaching the API directly is not a proxy: its header is ignored.
    expect(clientAddress(request('198.51.100.9', '203.0.113.7'), trust)).toBe('198.51.100.9');
  });

  it.each(['true', 'nginx', '10.0.0.300', '10.0.0.0/33', '::1/129', '10.0.0.1/8/1', '-1'])(
    'refuses %j at start, naming TRUST_PROXY',
    (value) => {
      expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(ConfigError);
      expect(() => loadConfig({ TRUST_PROXY: value })).toThrow(/TRUST_PROXY: /);
    },
  );
});
