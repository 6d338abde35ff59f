import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Agent } from '../agents/agent.entity';
import { PlannerService } from '../dispatch/planner.service';
import { KiosksRepository } from '../kiosks/kiosks.repository';
import { SitesRepository } from '../sites/sites.repository';
import type { KioskTarget } from '../agent-commands/agent-command';
import { isTarget, reaches, targetOf } from '../agent-commands/kiosk-targets';

export interface PlanItem {
  at: string;
  type: 'wake' | 'shutdown';
  targets: KioskTarget[];
}

/**
 * The offline fallback plan of an agent (PROTOCOL.md "Plan"): the same transitions
 * the dispatcher plans for the agent's site, limited to the kiosks this agent
 * reaches, so that an agent cut off from the API can act on its own copy.
 */
@Injectable()
export class AgentPlanService {
  constructor(
    private readonly planner: PlannerService,
    private readonly sites: SitesRepository,
    private readonly kiosks: KiosksRepository,
  ) {}

  async planFor(agent: Agent, hours: number, now = new Date()): Promise<{ generatedAt: string; items: PlanItem[]; etag: string }> {
    const site = await this.sites.getById(agent.siteId);
    const items: PlanItem[] = [];
    if (site) {
      const kiosks = (await this.kiosks.getBySite(site.id)).filter((k) => reaches(agent, k));
      const byId = new Map(kiosks.map((k) => [k.id, k]));
      const to = new Date(now.getTime() + hours * 3_600_000);
      for (const t of await this.planner.transitionsOfSite(site, now, to, kiosks)) {
        const targets = t.kioskIds.map((id) => targetOf(byId.get(id)!, t.action)).filter(isTarget);
        if (targets.length) items.push({ at: t.at.toISOString(), type: t.action, targets });
      }
    }
    return { generatedAt: now.toISOString(), items, etag: etagOf(items) };
  }
}

/** From the items only: generatedAt changes on every call, the plan does not. */
export function etagOf(items: PlanItem[]): string {
  return `"${createHash('sha256').update(JSON.stringify(items)).digest('base64url').slice(0, 27)}"`;
}

/** If-None-Match: a list of (possibly weak) tags, or `*`. */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag.replace(/^W\//, '') === etag;
  });
}
