import { Injectable, Logger } from '@nestjs/common';
import { scopeHospitalFilter } from '../common/access';
import { AccessService } from '../common/access.service';
import { AuditService } from '../audit/audit.service';
import { conflict, notFound } from '../common/errors';
import type { Principal } from '../common/request-context';
import { Database } from '../database/database.service';
import { LiveEventsService } from '../live/live-events.service';
import type { Alert, AlertKind, AlertStatus } from './alert.entity';
import { AlertEvents } from './alert-events';
import { AlertsRepository, NewAlert } from './alerts.repository';

/** Opens, deduplicates, resolves and acknowledges alerts, and tells the console and the notifications. */
@Injectable()
export class AlertsService {
  private readonly logger = new Logger('alerts');

  constructor(
    private readonly db: Database,
    private readonly alerts: AlertsRepository,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly live: LiveEventsService,
    private readonly events: AlertEvents,
  ) {}

  /** One open alert per condition: raising it again only records that it is still true. */
  async raise(a: NewAlert, now = new Date()): Promise<Alert> {
    const { alert, opened } = await this.alerts.openOrTouch(a, now);
    if (opened) await this.announceOpened(alert);
    return alert;
  }

  /** For alerts opened by another path than `raise` (grouped alerts): console, log and notifications. */
  async announceOpened(alert: Alert): Promise<void> {
    this.logger.warn(`alert opened: ${alert.kind} ${alert.message}`);
    await this.live.publish('alert.opened', alert.hospitalId, publicAlert(alert));
    await this.events.emit({ type: 'opened', alert });
  }

  /** A grouped alert changed (kiosks added or cleared): the console redraws it. */
  async announceUpdated(alert: Alert): Promise<void> {
    await this.live.publish('alert.updated', alert.hospitalId, publicAlert(alert));
  }

  async resolve(openKey: string, now = new Date()): Promise<void> {
    const alert = await this.alerts.resolveByKey(openKey, now);
    if (!alert) return;
    await this.live.publish('alert.updated', alert.hospitalId, publicAlert(alert));
    await this.events.emit({ type: 'resolved', alert });
  }

  async list(p: Principal, f: { hospitalId?: string; siteId?: string; status?: AlertStatus; kind?: AlertKind; page: number; pageSize: number }) {
    const { hospitalId, ...rest } = f;
    const page = await this.alerts.search({ hospitalIds: scopeHospitalFilter(p, hospitalId), ...rest });
    return { ...page, items: page.items.map(publicAlert) };
  }

  async acknowledge(p: Principal, id: string) {
    const { acknowledged, skipped } = await this.acknowledgeMany(p, [id]);
    if (skipped.length) throw conflict('ALERT_NOT_OPEN', `the alert is ${skipped[0].status}`);
    return acknowledged[0];
  }

  /**
   * Acknowledges every open alert of `ids` at once (a grouped alert with all its
   * kiosks), each audited. An id the user may not see fails the whole request as
   * not found and acknowledges nothing; one already acknowledged or resolved is
   * reported back as skipped.
   */
  async acknowledgeMany(p: Principal, ids: string[]) {
    const changed: Record<string, unknown>[] = [];
    const result = await this.db.transaction(async () => {
      const found = new Map((await this.alerts.getByIds(ids)).map((a) => [a.id, a]));
      const skipped: { id: string; status: AlertStatus }[] = [];
      const now = new Date();
      for (const id of ids) {
        const alert = found.get(id);
        if (!alert) throw notFound('ALERT_NOT_FOUND', `alert ${id} not found`);
        await this.access.assertReadable(p, 'alert', id, alert.hospitalId);
        if (alert.status !== 'open') {
          skipped.push({ id, status: alert.status });
          continue;
        }
        await this.alerts.acknowledge(id, p.username, now);
        const after = { ...alert, status: 'acknowledged' as const, acknowledgedAt: now, acknowledgedBy: p.username };
        await this.audit.record({ action: 'update', entityType: 'alert', entityId: id, hospitalId: alert.hospitalId, before: publicAlert(alert), after: publicAlert(after) });
        changed.push(publicAlert(after));
      }
      return { acknowledged: changed, skipped };
    });
    // After the commit: the console never shows an acknowledgement that was rolled back.
    for (const a of changed) await this.live.publish('alert.updated', a.hospitalId as string, a);
    return result;
  }
}

export function publicAlert(a: Alert) {
  const { openKey: _, ...rest } = a;
  return rest as unknown as Record<string, unknown>;
}
