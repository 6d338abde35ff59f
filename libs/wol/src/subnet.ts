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

/** True when `ip` lies in `cidr` ("10.1.2.0/24"); false for anything malformed. */
export function ipv4InSubnet(ip: string, cidr: string): boolean {
  const match = /^([\d.]+)\/(\d{1,2})$/.exec(cidr.trim());
  if (!match || !isIPv4(ip) || !isIPv4(match[1]!) || Number(match[2]) > 32) return false;
  const mask = prefixToMask(Number(match[2]));
  return (ipv4ToInt(ip) & mask) >>> 0 === (ipv4ToInt(match[1]!) & mask) >>> 0;
}

/**
 * Ranges no kiosk lives in: a connect or packet there reaches the sender's own host,
 * a cloud metadata service, every host of a segment, or nothing (RFC 6890).
 */
const SPECIAL_USE_RANGES: Array<[cidr: string, name: string]> = [
  ['0.0.0.0/8', 'unspecified ("this network")'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved or limited broadcast'],
];

/** The special-use range `ip` lies in, e.g. "loopback (127.0.0.0/8)", or null. */
export function specialUseRange(ip: string): string | null {
  const hit = SPECIAL_USE_RANGES.find(([cidr]) => ipv4InSubnet(ip, cidr));
  return hit ? `${hit[1]} (${hit[0]})` : null;
}

export interface KioskAddressPolicy {
  /** Where kiosks may be: the site's or the agent's declared subnets. Empty = nowhere. */
  subnets: readonly string[];
  /** Addresses that are never kiosks: the host's own. */
  ownAddresses?: readonly string[];
  /**
   * Subnets allowed even though they are special-use or the host's own (the demo's
   * loopback kiosks). Must still be inside `subnets`.
   */
  allow?: readonly string[];
}

/**
 * Why `ip` may not be treated as a kiosk's address under `policy`, or null when it may.
 * One rule for every connection and packet that user-set kiosk fields lead to (remote
 * screens, probes, wakes, shutdown templates), in the API and on the agent alike.
 */
export function kioskAddressRefusal(ip: string, policy: KioskAddressPolicy): string | null {
  if (!isIPv4(ip)) return `${JSON.stringify(ip)} is not an IPv4 address`;
  const allowed = (policy.allow ?? []).some((cidr) => ipv4InSubnet(ip, cidr));
  if (!allowed) {
    const special = specialUseRange(ip);
    if (special) return `${ip} is a ${special} address`;
    if (policy.ownAddresses?.includes(ip)) return `${ip} is an address of this host`;
  }
  if (policy.subnets.length === 0) return `no subnets are declared, so no address (${ip}) is a kiosk's`;
  if (!policy.subnets.some((cidr) => ipv4InSubnet(ip, cidr)))
    return `${ip} is outside the declared subnets (${policy.subnets.join(', ')})`;
  return null;
}
