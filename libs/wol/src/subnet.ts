import { isIPv4 } from 'node:net';

/**
 * Directed broadcast of a kiosk's subnet: the only broadcast a router forwards
 * into another VLAN (when `ip directed-broadcast` is allowed), so it is how one Pi
 * wakes kiosks on subnets it is not a member of.
 */
export class SubnetError extends Error {
  readonly code: 'SUBNET_INVALID' | 'IP_INVALID' | 'IP_NOT_IN_SUBNET';
  constructor(code: SubnetError['code'], message: string) {
    super(message);
    this.name = 'SubnetError';
    this.code = code;
  }
}

/**
 * `cidrOrSubnet` may be a prefix length (`24`, `"24"`, `"/24"`), a network in CIDR
 * form (`"10.1.2.0/24"`, then `ip` must lie in it) or a dotted netmask
 * (`"255.255.255.0"`). For /31 and /32 there is no broadcast and the result is the
 * highest address of the block (for /32 the ip itself, i.e. unicast).
 */
export function broadcastAddress(ip: string, cidrOrSubnet: string | number): string {
  const address = ipv4ToInt(ip);
  const { prefix, network } = parsePrefix(cidrOrSubnet);
  const mask = prefixToMask(prefix);
  if (network !== undefined && (address & mask) >>> 0 !== (network & mask) >>> 0) {
    throw new SubnetError('IP_NOT_IN_SUBNET', `${ip} is not in ${String(cidrOrSubnet)}`);
  }
  return intToIpv4(((address & mask) | ~mask) >>> 0);
}

/** True for the all-ones limited broadcast, which routers never forward. */
export function isLimitedBroadcast(ip: string): boolean {
  return isIPv4(ip) && ip.split('.').every((o) => Number(o) === 255);
}

export function ipv4ToInt(ip: string): number {
  if (!isIPv4(ip)) throw new SubnetError('IP_INVALID', `${JSON.stringify(ip)} is not an IPv4 address`);
  return ip.split('.').reduce((acc, o) => ((acc << 8) | Number(o)) >>> 0, 0);
}

export function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 0xff).join('.');
}

function prefixToMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function parsePrefix(value: string | number): { prefix: number; network?: number } {
  const text = String(value).trim();
  const bare = /^\/?(\d{1,2})$/.exec(text);
  if (bare) return { prefix: checkPrefix(Number(bare[1]), text) };
  const cidr = /^([\d.]+)\/(\d{1,2})$/.exec(text);
  if (cidr) return { prefix: checkPrefix(Number(cidr[2]), text), network: ipv4ToInt(cidr[1]!) };
  if (isIPv4(text)) {
    const mask = ipv4ToInt(text);
    const prefix = 32 - Math.log2(((~mask >>> 0) + 1) >>> 0 || 2 ** 32);
    if (!Number.isInteger(prefix) || prefixToMask(prefix) !== mask) {
      throw new SubnetError('SUBNET_INVALID', `netmask ${text} is not contiguous (like 255.255.255.0)`);
    }
    return { prefix };
  }
  throw new SubnetError('SUBNET_INVALID', `${JSON.stringify(text)} is not a prefix length, CIDR network or netmask`);
}

function checkPrefix(prefix: number, text: string): number {
  if (prefix > 32) throw new SubnetError('SUBNET_INVALID', `prefix length in ${JSON.stringify(text)} is over 32`);
  return prefix;
}
