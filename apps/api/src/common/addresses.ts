import { isIPv4 } from 'node:net';
import { ipv4ToInt } from '@wakeward/wol';
import { z } from 'zod';

/** Network addresses as kiosks, sites and agents give them: IPv4 and its subnets in CIDR form. */
export const ipv4 = z.string().refine((v) => isIPv4(v), 'not an IPv4 address (e.g. 10.1.2.17)');

export const cidr = z.string().refine((v) => {
  const [ip, bits, ...rest] = v.split('/');
  return rest.length === 0 && isIPv4(ip) && /^\d{1,2}$/.test(bits ?? '') && Number(bits) <= 32;
}, 'not an IPv4 subnet in CIDR form (e.g. 10.1.2.0/24)');

export function ipInSubnet(ip: string, subnet: string): boolean {
  const [base, bits] = subnet.split('/');
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return ((ipv4ToInt(ip) & mask) >>> 0) === ((ipv4ToInt(base) & mask) >>> 0);
}

