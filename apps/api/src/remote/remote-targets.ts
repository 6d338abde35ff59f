import os from 'node:os';
import { Inject, Injectable } from '@nestjs/common';
import { kioskAddressRefusal } from '@wakeward/wol';
import type { Agent } from '../agents/agent.entity';
import { APP_CONFIG, AppConfig } from '../config/config';
import type { Kiosk } from '../kiosks/kiosk.entity';
import type { Site } from '../sites/site.entity';
import type { RemoteRoute } from './remote-route';

/** Where a screen may be relayed: the agents that may carry it (none for the direct route), or why not. */
export type RemoteTarget = { refused: string } | { agentIds: string[] };

/**
 * Where the screen relay may connect: a kiosk's stored IP and VNC port, the port one
 * of REMOTE_VNC_PORTS, the IP inside the site's declared subnets (direct route) or the
 * relaying agent's (agent route), and never loopback, link-local, multicast,
 * unspecified or this host's own addresses unless REMOTE_ALLOW_TARGETS says so
 * (kioskAddressRefusal of @wakeward/wol: the same rule as the agent's).
 */
@Injectable()
export class RemoteTargets {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** For a kiosk with an IP; the agents are the site's enrolled ones (agent route only). */
  resolve(kiosk: Kiosk, route: RemoteRoute, site: Site, agents: Agent[]): RemoteTarget {
    const ip = kiosk.ip!;
    const refused = (reason: string, fix: string) => ({
      refused: `the screen relay will not connect to kiosk ${kiosk.code} at ${ip}:${kiosk.vncPort}: ${reason}. Ops: ${fix}`,
    });
    if (!this.portAllowed(kiosk.vncPort)) {
      return refused(
        `port ${kiosk.vncPort} is not a VNC port (REMOTE_VNC_PORTS: ${this.portsText()})`,
        "set the kiosk's VNC port",
      );
    }
    if (route === 'direct') {
      const reason = this.addressRefusal(ip, site.subnets);
      return reason
        ? refused(reason, "correct the kiosk's IP, or declare the subnet it lives in on the site")
        : { agentIds: [] };
    }
    // No agent at all is not the address's fault: REMOTE_NO_AGENT follows.
    if (!agents.length) return { agentIds: [] };
    const verdicts = agents.map((a) => ({ agent: a, reason: this.addressRefusal(ip, a.subnets) }));
    const carriers = verdicts.filter((v) => v.reason === null).map((v) => v.agent.id);
    if (carriers.length) return { agentIds: carriers };
    const reasons = [...new Set(verdicts.map((v) => v.reason))];
    const reason =
      reasons.length === 1 ? reasons[0]! : verdicts.map((v) => `agent ${v.agent.name}: ${v.reason}`).join('; ');
    return refused(reason, "correct the kiosk's IP, or declare its subnet on the agent that reaches it");
  }

  /** The same check for a self-run websockify's token file: the direct route's. */
  directRefusal(kiosk: Kiosk, site: Site): string | null {
    if (!kiosk.ip) return 'no IP';
    const target = this.resolve(kiosk, 'direct', site, []);
    return 'refused' in target ? target.refused : null;
  }

  private portAllowed(port: number): boolean {
    return this.config.remote.vncPorts.some((r) => port >= r.from && port <= r.to);
  }

  private portsText(): string {
    return this.config.remote.vncPorts.map((r) => (r.from === r.to ? `${r.from}` : `${r.from}-${r.to}`)).join(',');
  }

  private addressRefusal(ip: string, subnets: readonly string[]): string | null {
    return kioskAddressRefusal(ip, { subnets, ownAddresses: hostAddresses(), allow: this.config.remote.allowTargets });
  }
}

/** This host's IPv4 addresses, read at each check: interfaces come and go. */
function hostAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flat()
    .filter((a) => a?.family === 'IPv4')
    .map((a) => a!.address);
}
