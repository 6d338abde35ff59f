import { Injectable, Logger } from '@nestjs/common';
import { scopeHospitalFilter } from '../common/access';
import { AccessService } from '../common/access.service';
import { AuditService } from '../audit/audit.service';
import { conflict, notFound } from '../common/errors';
import type { Principal } from '../common/request-context';
import { Database } from '../database/database.service';
import { LiveEventsService } from '../live/live-events.service';
import type { Alert, AlertStatus } from './alert.entity';
import { AlertsRepository, NewAlert } from './alerts.repository';

/** Opens, deduplicates, resolves and acknowledges alerts, and tells the console. */
@Injectable()
export class AlertsService {
  private readonly logger = new Logger('alerts');

  constructor(
    private readonly db: Database,
    private readonly alerts: AlertsRepository,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly live: LiveEventsService,
  ) {}

  /** One open alert per condition: raising it again only records that it is still true. */
  async raise(a: NewAlert, now = new Date()): Promise<Alert> {
    const { alert, opened } = await this.alerts.openOrTouch(a, now);
    if (opened) {
      this.logger.warn(`alert opened: ${a.kind} ${a.message}`);
      await this.live.publish('alert.opened', alert.hospitalId, publicAlert(alert));
    }
    return alert;
  }

  async resolve(openKey: string, now = new Date()): Promise<void> {
    const alert = await this.alerts.resolveByKey(openKey, now);
    if (alert) await this.live.publish('alert.updated', alert.hospitalId, publicAlert(alert));
  }

  async list(p: Principal, f: { hospitalId?: string; siteId?: string; status?: AlertStatus; page: number; pageSize: number }) {
    const { hospitalId, ...rest } = f;
    const page = await this.alerts.search({ hospitalIds: scopeHospitalFilter(p, hospitalId), ...rest });
    return { ...page, items: page.items.map(publicAlert) };
  }

  acknowledge(p: Principal, id: string) {
    return this.db.transaction(async () => {
      const alert = await this.alerts.getById(id);
      if (!alert) throw notFound('ALERT_NOT_FOUND', `alert ${id} not found`);
      await this.access.assertReadable(p, 'alert', id, alert.hospitalId);
      if (alert.status !== 'open') throw conflict('ALERT_NOT_OPEN', `the alert is ${alert.status}`);
      const now = new Date();
      await this.alerts.acknowledge(id, p.username, now);
      const after = { ...alert, status: 'acknowledged' as const, acknowledgedAt: now, acknowledgedBy: p.username };
      await this.audit.record({ action: 'update', entityType: 'alert', entityId: id, hospitalId: alert.hospitalId, before: publicAlert(alert), after: publicAlert(after) });
      await this.live.publish('alert.updated', alert.hospitalId, publicAlert(after));
      return publicAlert(after);
    });
  }
}

export function publicAlert(a: Alert) {
  const { openKey: _, ...rest } = a;
  return rest as unknown as Record<string, unknown>;
}
