import { Injectable } from '@nestjs/common';
import { AgentsRepository } from '../agents/agents.repository';
import { AuditService } from '../audit/audit.service';
import { badRequest, conflict } from '../common/errors';
import type { Principal } from '../common/request-context';
import type { Kiosk } from '../kiosks/kiosk.entity';
import { KiosksRepository } from '../kiosks/kiosks.repository';
import { SitesService } from '../sites/sites.service';
import type { KioskTarget } from '../agent-commands/agent-command';
import type { SiteCommandInput } from './power-commands.dto';
import { AgentCommandsService } from '../agent-commands/agent-commands.service';
import { isTarget, reaches, targetOf } from '../agent-commands/kiosk-targets';

const DEFAULT_VALIDITY_MS = 5 * 60_000;
const MAX_VALIDITY_MS = 24 * 3_600_000;
const MAX_LEAD_MS = 48 * 3_600_000;

/**
 * Console commands for kiosks of one site: every enrolled agent of the site that
 * reaches a kiosk gets it, because one Pi sometimes fails and one alive is enough.
 */
@Injectable()
export class SiteCommandsService {
  constructor(
    private readonly sites: SitesService,
    private readonly kiosks: KiosksRepository,
    private readonly agents: AgentsRepository,
    private readonly commands: AgentCommandsService,
    private readonly audit: AuditService,
  ) {}

  async send(p: Principal, siteId: string, input: SiteCommandInput) {
    const site = await this.sites.get(p, siteId);
    const now = Date.now();
    const dueAt = input.dueAt ?? new Date(now);
    const expiresAt = input.expiresAt ?? new Date(dueAt.getTime() + DEFAULT_VALIDITY_MS);
    if (dueAt.getTime() > now + MAX_LEAD_MS) throw badRequest('VALIDATION_FAILED', 'dueAt: at most 48 hours ahead', 'dueAt');
    if (expiresAt.getTime() <= Math.max(now, dueAt.getTime())) {
      throw badRequest('VALIDATION_FAILED', 'expiresAt: must be after dueAt and in the future', 'expiresAt');
    }
    if (expiresAt.getTime() - dueAt.getTime() > MAX_VALIDITY_MS) {
      throw badRequest('VALIDATION_FAILED', 'expiresAt: at most 24 hours after dueAt', 'expiresAt');
    }

    const found = new Map((await this.kiosks.getByIds(input.kioskIds)).map((k) => [k.id, k]));
    const kiosks = input.kioskIds.map((id, i) => {
      const kiosk = found.get(id);
      if (!kiosk || kiosk.siteId !== site.id) {
        throw badRequest('COMMAND_KIOSK_INVALID', `kioskIds.${i}: ${id} is not a kiosk of this site`, `kioskIds.${i}`);
      }
      return { kiosk, target: toTarget(kiosk, input.type, `kioskIds.${i}`) };
    });

    const agents = await this.agents.getEnrolledBySite(site.id);
    const plan = agents
      .map((agent) => ({ agent, targets: kiosks.filter((k) => reaches(agent, k.kiosk)).map((k) => k.target) }))
      .filter((a) => a.targets.length > 0);
    const covered = new Set(plan.flatMap((a) => a.targets.map((t) => t.kioskId)));
    const uncovered = input.kioskIds.filter((id) => !covered.has(id));
    if (!plan.length) throw conflict('NO_AGENT_REACHES_KIOSKS', 'no enrolled agent of this site reaches these kiosks');

    const issued = await this.commands.enqueueMany(
      plan.map(({ agent, targets }) => ({ agentId: agent.id, command: { type: input.type, dueAt, expiresAt, targets } })),
      async (commands) => {
        for (const { agentId, command } of commands) {
          await this.audit.record({
            action: 'create',
            entityType: 'agent_command',
            entityId: command.id,
            hospitalId: site.hospitalId,
            after: { agentId, siteId: site.id, ...command },
          });
        }
      },
    );
    return {
      commands: issued.map((command, i) => ({
        id: command.id,
        agentId: plan[i].agent.id,
        agentName: plan[i].agent.name,
        type: command.type,
        dueAt: command.dueAt,
        expiresAt: command.expiresAt,
        kioskIds: command.targets.map((t) => t.kioskId),
      })),
      uncovered,
    };
  }
}

/** What an agent needs to act on a kiosk; refuses kiosks it could not act on. */
function toTarget(k: Kiosk, type: SiteCommandInput['type'], field: string): KioskTarget {
  const target = targetOf(k, type);
  if (!isTarget(target)) throw badRequest(target.code, `${field}: ${target.problem}`, field);
  return target;
}
