import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SubnetError,
  broadcastAddress,
  intToIpv4,
  ipv4InSubnet,
  ipv4ToInt,
  isLimitedBroadcast,
  kioskAddressRefusal,
} from './subnet';

describe('broadcastAddress', () => {
  it.each([
    ['10.1.2.17', '10.1.2.0/24', '10.1.2.255'],
    ['10.1.2.17', 24, '10.1.2.255'],
    ['10.1.2.17', '/24', '10.1.2.255'],
    ['10.1.2.17', '255.255.255.0', '10.1.2.255'],
    ['172.16.5.130', '255.255.255.128', '172.16.5.255'],
    ['172.16.5.100', '25', '172.16.5.127'],
    ['10.20.0.3', '10.20.0.0/22', '10.20.3.255'],
    ['192.0.2.9', '32', '192.0.2.9'],
    ['192.0.2.8', '31', '192.0.2.9'],
  ])('%s in %s -> %s', (ip, subnet, expected) => {
    expect(broadcastAddress(ip, subnet)).toBe(expected);
  });

  it('refuses an ip outside the given network, bad masks and bad ips', () => {
    expect(() => broadcastAddress('10.1.3.17', '10.1.2.0/24')).toThrow(
      expect.objectContaining({ code: 'IP_NOT_IN_SUBNET' }),
    );
    expect(() => broadcastAddress('10.1.2.17', '255.0.255.0')).toThrow(/not contiguous/);
    expect(() => broadcastAddress('10.1.2.17', '33')).toThrow(SubnetError);
    expect(() => broadcastAddress('10.1.2', '24')).toThrow(expect.objectContaining({ code: 'IP_INVALID' }));
    expect(() => broadcastAddress('10.1.2.17', 'abc')).toThrow(expect.objectContaining({ code: 'SUBNET_INVALID' }));
  });

  it('always lies in the subnet and is its highest address', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }), (n, prefix) => {
        const ip = intToIpv4(n);
        const b = ipv4ToInt(broadcastAddress(ip, prefix));
        const hostBits = 32 - prefix;
        const size = 2 ** hostBits;
        expect(Math.floor(b / size)).toBe(Math.floor(n / size));
        expect(b % size).toBe(size - 1);
      }),
    );
  });

  it('recognises the limited broadcast without being spelled out', () => {
    expect(isLimitedBroadcast(intToIpv4(0xffffffff))).toBe(true);
    expect(isLimitedBroadcast('10.1.2.255')).toBe(false);
  });
});

describe('kioskAddressRefusal', () => {
  const policy = { subnets: ['10.1.2.0/24', '10.1.3.0/24'], ownAddresses: ['10.1.2.1'] };

  it('accepts an address inside a declared subnet', () => {
    expect(kioskAddressRefusal('10.1.2.17', policy)).toBeNull();
    expect(kioskAddressRefusal('10.1.3.255', policy)).toBeNull();
  });

  it.each([
    ['10.1.4.17', /outside the declared subnets/],
    ['10.1.2.1', /address of this host/],
    ['127.0.0.1', /loopback/],
    ['169.254.169.254', /link-local/],
    ['224.0.0.251', /multicast/],
    ['0.0.0.0', /unspecified/],
    ['255.255.255.255', /limited broadcast/],
    ['localhost', /not an IPv4 address/],
    ['::1', /not an IPv4 address/],
  ])('refuses %s', (ip, reason) => {
    expect(kioskAddressRefusal(ip, policy)).toMatch(reason);
  });

  it('refuses special-use addresses even when a declared subnet covers them', () => {
    expect(kioskAddressRefusal('127.0.0.1', { subnets: ['0.0.0.0/0'] })).toMatch(/loopback/);
    expect(kioskAddressRefusal('169.254.1.1', { subnets: ['169.254.0.0/16'] })).toMatch(/link-local/);
  });

  it('with no declared subnets refuses everything', () => {
    expect(kioskAddressRefusal('10.1.2.17', { subnets: [] })).toMatch(/no subnets are declared/);
  });

  it('an explicit allowance admits a special range, still only inside the declared subnets', () => {
    const demo = { subnets: ['127.0.0.0/8'], allow: ['127.0.0.0/8'] };
    expect(kioskAddressRefusal('127.0.0.1', demo)).toBeNull();
    expect(kioskAddressRefusal('169.254.1.1', demo)).toMatch(/link-local/);
    expect(kioskAddressRefusal('127.0.0.1', { subnets: ['10.0.0.0/8'], allow: ['127.0.0.0/8'] })).toMatch(/outside/);
  });

  it('ipv4InSubnet is false for malformed input', () => {
    expect(ipv4InSubnet('10.1.2.3', '10.1.2.0')).toBe(false);
    expect(ipv4InSubnet('10.1.2.3', '10.1.2.0/33')).toBe(false);
    expect(ipv4InSubnet('10.1.2', '10.1.2.0/24')).toBe(false);
    expect(ipv4InSubnet('10.1.2.3', '0.0.0.0/0')).toBe(true);
  });
});
