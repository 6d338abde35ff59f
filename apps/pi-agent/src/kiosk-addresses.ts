/**
 * Where this agent may send packets and open connections for a kiosk: an address
 * inside its declared subnets, never loopback, link-local, multicast or its own
 * (`kioskAddressRefusal` of @wakeward/wol, the rule the API applies too). Addresses
 * the API sends are checked here whatever the API asks: defence in depth.
 */
import os from 'node:os';
import type { KioskAddressPolicy } from '@wakeward/wol';

export function kioskAddressPolicy(subnets: readonly string[], allow: readonly string[] = []): KioskAddressPolicy {
  return {
    subnets,
    allow,
    // Read at each check: a Pi's addresses change with DHCP and its links.
    get ownAddresses() {
      return hostIpv4Addresses();
    },
  };
}

/** This host's IPv4 addresses, on every interface. */
export function hostIpv4Addresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && (a.family === 'IPv4' || (a.family as unknown) === 4))
    .map((a) => a!.address);
}
