import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { AgentsRepository } from '../agents/agents.repository';
import { AgentCommandsService } from '../agent-commands/agent-commands.service';
import type { Principal } from '../common/request-context';
import { KiosksRepository } from '../kiosks/kiosks.repository';
import { KiosksService } from '../kiosks/kiosks.service';
import { SitesService } from '../sites/sites.service';
import type { Page } from '../common/validation';
import type { Dispatch } from './dispatch.entity';
import { outcomeOf } from './dispatch-outcome';
import { DispatchRepository, DispatchSearch } from './dispatch.repository';
import { OfflineActionsService } from './offline-actions.service';
import type { dispatchHistoryQuery } from './power-commands.dto';

type HistoryQuery = z.output<typeof dispatchHistoryQuery>;

/**
 * A page's span of time bounds its offline instants, not the page size: the last
 * page may span years. Two a day for a year is well under this.
 */
const MAX_OFFLINE_INSTANTS_PER_PAGE = 1000;

/**
 * Who did what, per kiosk or per site, newest first: each dispatch (scheduled, or
 * asked for by whom), the command each agent got with when it started and its
 * result or error for this kiosk, and every verification with what it observed.
 * Times are UTC; the site's zone comes with them for the console to show.
 *
 * Beside the page, `offlineActions`: the wakes and shutdowns agents did on their
 * own while cut off from the API, one per instant and action with the agents that
 * did it, for the span of time the page covers (so that paging through shows each
 * once). They carry out the schedule, so a `source=manual` history has none.
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
    private readonly offline: OfflineActionsService,
  ) {}

  async ofKiosk(p: Principal, kioskId: string, query: HistoryQuery) {
    const kiosk = await this.kiosks.get(p, kioskId);
    const site = await this.sites.get(p, kiosk.siteId);
    const filter = { kioskId: kiosk.id, source: query.source };
    const page = await this.dispatches.search({ ...filter, page: query.page, pageSize: query.pageSize });
    return {
      ...page,
      timeZone: site.timeZone,
      items: await this.describe(page.items),
      offlineActions: await this.offlineActions(site.id, filter, page, kiosk.id),
    };
  }

  async ofSite(p: Principal, siteId: string, query: HistoryQuery) {
    const site = await this.sites.get(p, siteId);
    const filter = { siteId: site.id, source: query.source };
    const page = await this.dispatches.search({ ...filter, page: query.page, pageSize: query.pageSize });
    return {
      ...page,
      timeZone: site.timeZone,
      items: await this.describe(page.items),
      offlineActions: await this.offlineActions(site.id, filter, page),
    };
  }

  /**
   * The page covers [its last row's instant, the previous page's last row's instant):
   * the first page has no upper end, the last no lower one.
   */
  private async offlineActions(siteId: string, filter: DispatchSearch, page: Page<Dispatch>, kioskId?: string) {
    if (filter.source === 'manual') return [];
    const before = (page.page - 1) * page.pageSize; // rows on the pages before this one
    if (page.page > 1 && before >= page.total) return []; // past the end of the history
    const to = page.page === 1 ? undefined : ((await this.dispatches.plannedAtOfRow(filter, before - 1)) ?? undefined);
    const last = page.page * page.pageSize >= page.total;
    const from = last ? undefined : page.items[page.items.length - 1]?.plannedAt;
    const occurrences = await this.offline.occurrences({ siteId, kioskId, from, to, limit: MAX_OFFLINE_INSTANTS_PER_PAGE });
    const kiosks = new Map(
      (await this.kioskRows.getByIds([...new Set(occurrences.flatMap((o) => o.kioskIds))])).map((k) => [k.id, k]),
    );
    return occurrences.map((o) => ({
      ...o,
      kiosks: o.kioskIds.map((id) => ({ id, code: kiosks.get(id)?.code ?? null, name: kiosks.get(id)?.name ?? null })),
    }));
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
