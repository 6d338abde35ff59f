import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Agent } from '../agents/agent.entity';
import type { KioskTarget } from './agent-command';

export interface PlanItem {
  at: string;
  type: 'wake' | 'shutdown';
  targets: KioskTarget[];
}

/**
 * The offline fallback plan of an agent (PROTOCOL.md "Plan"). Its items come from
 * dispatch's planned transitions, which do not exist yet: until then the plan is
 * honestly empty, so an agent cut off from the API does nothing on its own.
 */
@Injectable()
export class AgentPlanService {
  async planFor(_agent: Agent, _hours: number): Promise<{ generatedAt: string; items: PlanItem[]; etag: string }> {
    const items: PlanItem[] = [];
    return { generatedAt: new Date().toISOString(), items, etag: etagOf(items) };
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
