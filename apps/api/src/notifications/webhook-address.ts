import { lookup } from 'node:dns';
import { isIP, isIPv4 } from 'node:net';
import os from 'node:os';
import { ipv4InSubnet, specialUseRange } from '@wakeward/wol';

/** Private and shared ranges: a hospital's or this server's own networks, not the robots' public endpoints. */
const PRIVATE_RANGES: Array<[cidr: string, name: string]> = [
  ['10.0.0.0/8', 'private'],
  ['172.16.0.0/12', 'private'],
  ['192.168.0.0/16', 'private'],
  ['100.64.0.0/10', 'shared (carrier-grade NAT)'],
  ['198.18.0.0/15', 'benchmarking'],
];

/**
 * Why a webhook may not connect to `ip`, or null. Webhook URLs are set by ops, but
 * what they name must not turn the server into a way to its own host, a cloud's
 * metadata service or the networks behind it: public unicast addresses only, unless
 * NOTIFY_ALLOW_TARGETS lists the subnet (a hospital's paging server on its LAN, the
 * tests' receivers on loopback). IPv6: global unicast only (IPv4-mapped ones as IPv4).
 */
export function webhookAddressRefusal(ip: string, allow: readonly string[]): string | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return webhookAddressRefusal(mapped[1], allow);
  if (isIPv4(ip)) {
    if (allow.some((cidr) => ipv4InSubnet(ip, cidr))) return null;
    const special = specialUseRange(ip);
    if (special) return `${ip} is a ${special} address`;
    const range = PRIVATE_RANGES.find(([cidr]) => ipv4InSubnet(ip, cidr));
    if (range) return `${ip} is a ${range[1]} address (${range[0]})`;
    if (hostAddresses().includes(ip)) return `${ip} is an address of this server`;
    return null;
  }
  if (isIP(ip) === 6) {
    const first = parseInt(ip.split(':')[0] || '0', 16);
    // 2000::/3 is the global unicast block; loopback, link-local, unique-local and the rest are not.
    if (first < 0x2000 || first > 0x3fff) return `${ip} is not a global IPv6 address`;
    const own = new URL(`http://[${ip}]/`).hostname; // one spelling for the comparison
    if (hostAddresses().some((a) => isIP(a) === 6 && new URL(`http://[${a.split('%')[0]}]/`).hostname === own))
      return `${ip} is an address of this server`;
    return null;
  }
  return `${JSON.stringify(ip)} is not an IP address`;
}

export class WebhookTargetRefused extends Error {
  readonly code = 'NOTIFY_TARGET_REFUSED';
}

/**
 * A `lookup` for http.request that connects only to addresses the rule allows: the
 * address checked is the address connected to, so a name that resolves elsewhere
 * the second time (DNS rebinding) gains nothing.
 */
export function checkedLookup(allow: readonly string[]) {
  return (
    hostname: string,
    options: { all?: boolean; family?: number | string },
    callback: (
      err: NodeJS.ErrnoException | null,
      address: string | { address: string; family: number }[],
      family?: number,
    ) => void,
  ) => {
    lookup(
      hostname,
      { all: true, family: typeof options.family === 'number' ? options.family : 0 },
      (err, addresses) => {
        if (err) return callback(err, []);
        const refusal = addresses.map((a) => webhookAddressRefusal(a.address, allow)).find((r) => r !== null);
        if (refusal) return callback(new WebhookTargetRefused(`${hostname} resolves to ${refusal}`), []);
        if (options.all) return callback(null, addresses);
        callback(null, addresses[0].address, addresses[0].family);
      },
    );
  };
}

/** Why a webhook URL may not be used now (by its literal address or what its name resolves to), or null. */
export async function webhookUrlRefusal(url: URL, allow: readonly string[]): Promise<string | null> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host)) return webhookAddressRefusal(host, allow);
  return new Promise((resolve) => {
    checkedLookup(allow)(host, { all: true }, (err) => {
      // A name that does not resolve now is not refused: the delivery will say it failed.
      resolve(err instanceof WebhookTargetRefused ? err.message : null);
    });
  });
}

/** This host's addresses, read at each check: interfaces come and go. */
function hostAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flat()
    .map((a) => a?.address)
    .filter((a): a is string => !!a);
}
