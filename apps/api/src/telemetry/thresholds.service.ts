import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { AuditService } from '../audit/audit.service';
import { canSeeWebhookUrls } from '../common/access';
import type { Principal } from '../common/request-context';
import { Database } from '../database/database.service';
import { SitesService } from '../sites/sites.service';
import { SiteEnvironmentRepository } from './site-environment.repository';
import { DEFAULT_THRESHOLDS, Thresholds } from './threshold-rules';
import type { thresholdsBody } from './telemetry.dto';

/** Per-site thresholds: defaults in code, a site stores only what it changes. */
@Injectable()
export class ThresholdsService {
  constructor(
    private readonly db: Database,
    private readonly sites: SitesService,
    private readonly env: SiteEnvironmentRepository,
    private readonly audit: AuditService,
  ) {}

  async ofSite(siteId: string): Promise<Thresholds> {
    return { ...DEFAULT_THRESHOLDS, ...(await this.env.thresholds(siteId)) };
  }

  /** Staff and viewers learn whether a webhook is set (webhookUrlSet), not its URL. */
  async get(p: Principal, siteId: string) {
    await this.sites.get(p, siteId);
    const { webhookUrl, ...thresholds } = await this.ofSite(siteId);
    const webhook = canSeeWebhookUrls(p) ? { webhookUrl } : {};
    return { siteId, ...thresholds, ...webhook, webhookUrlSet: webhookUrl !== null, defaults: DEFAULT_THRESHOLDS };
  }

  /** Changes what the body names, keeps the rest; audited in the same transaction. */
  async update(p: Principal, siteId: string, input: z.output<typeof thresholdsBody>) {
    return this.db.transaction(async () => {
      const site = await this.sites.get(p, siteId);
      const before = await this.ofSite(siteId);
      const after: Thresholds = { ...before, ...input };
      await this.env.saveThresholds(siteId, after, new Date());
      await this.audit.record({ action: 'update', entityType: 'site_thresholds', entityId: siteId, hospitalId: site.hospitalId, before, after });
      return { siteId, ...after, defaults: DEFAULT_THRESHOLDS };
    });
  }
}
