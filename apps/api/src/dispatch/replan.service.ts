import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { LiveEventsService } from '../live/live-events.service';
import { ScheduleChanges, ScheduleChangeListener } from '../common/schedule-changes';
import { SitesRepository } from '../sites/sites.repository';
import { DispatchQueue } from './dispatch-queue';

/**
 * Asks the worker to re-plan sites after a change of their rules, kiosks or zone,
 * once the change is committed. Requests for a site collapse for 100 ms (BullMQ
 * deduplication with a ttl, so a change made while a pass runs still gets a pass
 * of its own). If Redis cannot take the request, the change stands and the
 * periodic repair pass plans it.
 *
 * The same change moves what the consoles show as each kiosk's expected state: they
 * hear of it as `schedule.changed` (per hospital, with the sites) and refetch.
 *
 * The changes come as schedule/'s notices (ScheduleChanges), awaited by whoever made
 * them, so the domains that change schedules need not know of dispatch.
 */
@Injectable()
export class ReplanService implements ScheduleChangeListener, OnModuleInit {
  private readonly logger = new Logger('replan');

  constructor(
    private readonly dispatch: DispatchQueue,
    private readonly sitesRepo: SitesRepository,
    private readonly live: LiveEventsService,
    private readonly changes: ScheduleChanges,
  ) {}

  onModuleInit(): void {
    this.changes.listen(this);
  }

  async sites(siteIds: Iterable<string>): Promise<void> {
    const ids = [...new Set(siteIds)];
    await this.plan(ids);
    const byHospital = new Map<string, string[]>();
    for (const site of await Promise.all(ids.map((id) => this.sitesRepo.getById(id)))) {
      if (site) byHospital.set(site.hospitalId, [...(byHospital.get(site.hospitalId) ?? []), site.id]);
    }
    await this.announce(byHospital);
  }

  async hospital(hospitalId: string): Promise<void> {
    const ids = (await this.sitesRepo.getByHospital(hospitalId)).map((s) => s.id);
    await this.plan(ids);
    await this.announce(new Map([[hospitalId, ids]]));
  }

  private async plan(siteIds: string[]): Promise<void> {
    const jobs = siteIds.map((siteId) => ({
      name: 'plan-site',
      data: { kind: 'plan-site' as const, siteId },
      opts: { deduplication: { id: `plan_${siteId}`, ttl: 100 }, delay: 100 },
    }));
    try {
      if (jobs.length) await this.dispatch.addBulk(jobs);
    } catch (err) {
      this.logger.warn(`re-plan request failed (the repair pass will plan it): ${(err as Error).message}`);
    }
  }

  /** Like the re-plan, a lost announcement costs no change: open consoles catch up on their next refresh. */
  private async announce(byHospital: Map<string, string[]>): Promise<void> {
    for (const [hospitalId, siteIds] of byHospital) {
      await this.live.publish('schedule.changed', hospitalId, { siteIds }).catch((err: Error) => {
        this.logger.warn(`schedule.changed not announced: ${err.message}`);
      });
    }
  }
}
