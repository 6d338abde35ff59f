import { broadcastAddress, normalizeMac } from '@wakeward/wol';
import type { Agent } from '../agents/agent.entity';
import type { Kiosk } from '../kiosks/kiosk.entity';
import { ipInSubnet } from '../common/addresses';
import type { KioskTarget, PowerCommandType } from './agent-command';

/** What an agent needs to act on a kiosk, or why it cannot act on it. */
export function targetOf(k: Kiosk, type: PowerCommandType): KioskTarget | { problem: string; code: string } {
  let mac: string;
  try {
    mac = normalizeMac(k.mac);
  } catch {
    return { code: 'KIOSK_MAC_INVALID', problem: `kiosk ${k.code} has a malformed MAC address (${k.mac}); fix the kiosk first` };
  }
  if (type === 'shutdown' && !k.shutdownMethod) {
    return { code: 'KIOSK_SHUTDOWN_METHOD_MISSING', problem: `kiosk ${k.code} has no shutdown method` };
  }
  if (type === 'probe' && !k.ip) return { code: 'KIOSK_IP_MISSING', problem: `kiosk ${k.code} has no IP address to probe` };
  let broadcast: string | undefined;
  if (k.subnet) {
    try {
      broadcast = broadcastAddress(k.ip ?? k.subnet.split('/')[0], k.subnet);
    } catch {
      broadcast = undefined; // an IP outside its subnet: the agent falls back to unicast
    }
  }
  return {
    kioskId: k.id,
    code: k.code,
    name: k.name,
    mac,
    ...(k.ip && { ip: k.ip }),
    ...(broadcast && { broadcast }),
    vncPort: k.vncPort,
    ...(k.shutdownMethod && { shutdown: { method: k.shutdownMethod } }),
  };
}

export const isTarget = (t: KioskTarget | { problem: string }): t is KioskTarget => !('problem' in t);

/** An agent reaches a kiosk in one of its subnets; an agent that lists no subnets is taken to reach the whole site. */
export function reaches(agent: Agent, k: Kiosk): boolean {
  if (!agent.subnets.length) return true;
  const address = k.ip ?? k.subnet?.split('/')[0];
  if (!address) return true;
  return agent.subnets.some((s) => ipInSubnet(address, s));
}
