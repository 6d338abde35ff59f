import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { AgentsRepository } from '../agents/agents.repository';
import { AgentCommandsService } from '../agent-protocol/agent-commands.service';
import type { Principal } from '../common/request-context';
import { KiosksRepository } from '../kiosks/kiosks.repository';
import { KiosksService } from '../kiosks/kiosks.service';
import { SitesService } from '../sites/sites.service';
import type { Dispatch } from './dispatch.entity';
import { outcomeOf } from './dispatch-outcome';
import { DispatchRepository } from './dispatch.repository';
import type { dispatchHistoryQuery } from './power-commands.dto';

type HistoryQuery = z.output<typeof dispatchHistoryQuery>;

/**
 * Who did what, per kiosk or per site, newest first: each dispatch (scheduled, or
 * asked for by whom), the command each agent got with when it started and its
 * result or error for this kiosk, and every verification with what it observed.
 * Times are UTC; the site's zone comes with them for the console to show.
 */
@Injectable()
export class DispatchHistoryService {
  constructor(
    private readonly dispatches: DispatchRepository,
    private readonly kiosks: KiosksService,
    private readonly kioskRows: KiosksRepository,
    private readonly sites: SitesService,
    private readonly agents: AgentsRepository,
    private readonly commands: AgentCommandsService,
  ) {}

  async ofKiosk(p: Principal, kioskId: string, query: HistoryQuery) {
    const kiosk = await this.kiosks.get(p, kioskId);
    const site = await this.sites.get(p, kiosk.siteId);
    const page = await this.dispatches.search({ kioskId: kiosk.id, ...query });
    return { ...page, timeZone: site.timeZone, items: await this.describe(page.items) };
  }

  async ofSite(p: Principal, siteId: string, query: HistoryQuery) {
    const site = await this.sites.get(p, siteId);
    const page = await this.dispatches.search({ siteId: site.id, ...query });
    return { ...page, timeZone: site.timeZone, items: await this.describe(page.items) };
  }

  private async describe(rows: Dispatch[]) {
    const sent = rows.flatMap((r) => r.commands.map((c) => ({ agentId: c.agentId, commandId: c.commandId })));
    const [agents, reports, kiosks] = await Promise.all([
      this.agents.getByIds([...new Set(sent.map((c) => c.agentId))]),
      this.commands.reportsOf(uniqueCommands(sent)),
      this.kioskRows.getByIds([...new Set(rows.map((r) => r.kioskId))]),
    ]);
    const agentName = new Map(agents.map((a) => [a.id, a.name]));
    const report = new Map(reports.map((r) => [`${r.commandId}|${r.agentId}`, r]));
    const kiosk = new Map(kiosks.map((k) => [k.id, k]));
    return rows.map((d) => ({
      id: d.id,
      kioskId: d.kioskId,
      kiosk: kiosk.has(d.kioskId) ? { code: kiosk.get(d.kioskId)!.code, name: kiosk.get(d.kioskId)!.name } : null,
      siteId: d.siteId,
      action: d.action,
      plannedAt: d.plannedAt,
      source: d.source,
      requestedBy: d.requestedBy,
      ruleId: d.ruleId,
      status: d.status,
      sentAt: d.sentAt,
      outcome: d.outcome,
      ...outcomeOf(d),
      verifications: d.verifications,
      commands: d.commands.map((c) => {
        const r = report.get(`${c.commandId}|${c.agentId}`);
        const target = r?.result?.targets.find((t) => t.kioskId === d.kioskId);
        return {
          ...c,
          agentName: agentName.get(c.agentId) ?? null,
          cancelledAt: r?.cancelledAt ?? null,
          result: r?.result
            ? {
                status: r.result.status,
                startedAt: r.result.startedAt,
                finishedAt: r.result.finishedAt,
                receivedAt: r.result.receivedAt,
                // The agent's word for this kiosk; a report that does not name it tells nothing about it.
                ok: target ? target.ok : null,
                error: target?.error ?? null,
              }
            : null,
        };
      }),
    }));
  }
}

function uniqueCommands(list: { agentId: string; commandId: string }[]) {
  return [...new Map(list.map((c) => [`${c.commandId}|${c.agentId}`, c])).values()];
}
