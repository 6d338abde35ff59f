import { Injectable, Logger } from '@nestjs/common';
import { SitesRepository } from '../sites/sites.repository';
import { DispatchQueue } from './dispatch-queue';

/**
 * Asks the worker to re-plan sites after a change of their rules, kiosks or zone,
 * once the change is committed. Requests for a site collapse for 100 ms (BullMQ
 * deduplication with a ttl, so a change made while a pass runs still gets a pass
 * of its own). If Redis cannot take the request, the change stands and the
 * periodic repair pass plans it.
 */
@Injectable()
export class ReplanService {
  private readonly logger = new Logger('replan');

  constructor(
    private readonly dispatch: DispatchQueue,
    private readonly sitesRepo: SitesRepository,
  ) {}

  async sites(siteIds: Iterable<string>): Promise<void> {
    const jobs = [...new Set(siteIds)].map((siteId) => ({
      name: 'plan-site',
      data: { kind: 'plan-site' as const, siteId },
      opts: { deduplication: { id: `plan_${siteId}`, ttl: 100 }, delay: 100 },
    }));
    try {
      if (jobs.length) await this.dispatch.queue.addBulk(jobs);
    } catch (err) {
      this.logger.warn(`re-plan request failed (the repair pass will plan it): ${(err as Error).message}`);
    }
  }

  async hospital(hospitalId: string): Promise<void> {
    await this.sites((await this.sitesRepo.getByHospital(hospitalId)).map((s) => s.id));
  }
}
