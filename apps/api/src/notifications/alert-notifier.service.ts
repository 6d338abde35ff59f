import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Alert } from '../alerts/alert.entity';
import { AlertEvent, AlertEvents } from '../alerts/alert-events';
import { AlertsRepository } from '../alerts/alerts.repository';
import { publicAlert } from '../alerts/alerts.service';
import { APP_CONFIG, AppConfig } from '../config/config';
import { HospitalsRepository } from '../hospitals/hospitals.repository';
import { ApiMetrics } from '../ops/metrics';
import { SitesRepository } from '../sites/sites.repository';
import { ChannelSender, DeliveryError, DeliveryReceipt } from './channel-sender';
import type { NotificationChannel } from './notification-channel.entity';
import { NotificationChannelsRepository, NotificationDeliveriesRepository } from './notification-channels.repository';
import type { DeliveryEvent } from './notification-delivery.entity';
import { buildMessage, NotificationMessage } from './notification-message';
import { NotificationsQueue } from './notifications-queue';

/** Whether a channel carries an alert: its hospital (or all), its sites (or all), its kinds (or all). */
export function routes(channel: NotificationChannel, alert: Pick<Alert, 'hospitalId' | 'siteId' | 'kind'>): boolean {
  if (!channel.enabled) return false;
  if (channel.hospitalId !== null && channel.hospitalId !== alert.hospitalId) return false;
  if (channel.siteIds.length && (!alert.siteId || !channel.siteIds.includes(alert.siteId))) return false;
  return !channel.kinds.length || channel.kinds.includes(alert.kind);
}

/**
 * Tells the channels of every alert that opens (after each channel's grace time) and
 * of the end of those it told. A delivery is a row (once per channel, alert and
 * event) and a BullMQ job that reads it when it runs: an alert that is no longer open
 * by then sends nothing, and a retry never sends to a channel disabled meanwhile.
 */
@Injectable()
export class AlertNotifier implements OnModuleInit {
  private readonly logger = new Logger('notifications');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly events: AlertEvents,
    private readonly channels: NotificationChannelsRepository,
    private readonly deliveries: NotificationDeliveriesRepository,
    private readonly queue: NotificationsQueue,
    private readonly sender: ChannelSender,
    private readonly alerts: AlertsRepository,
    private readonly sites: SitesRepository,
    private readonly hospitals: HospitalsRepository,
    private readonly metrics: ApiMetrics,
  ) {}

  onModuleInit(): void {
    this.events.subscribe((event) => this.onAlertEvent(event));
  }

  async onAlertEvent({ type, alert }: AlertEvent): Promise<void> {
    const now = new Date();
    if (type === 'opened') {
      const channels = (await this.channels.enabledForHospital(alert.hospitalId)).filter((c) => routes(c, alert));
      for (const channel of channels) {
        const id = await this.deliveries.createOnce(channel.id, alert.id, 'opened', now);
        if (id) await this.queue.enqueue(id, channel.graceS * 1000);
      }
    } else {
      for (const channelId of await this.deliveries.channelsNotifiedOf(alert.id)) {
        const id = await this.deliveries.createOnce(channelId, alert.id, 'resolved', now);
        if (id) await this.queue.enqueue(id, 0);
      }
    }
  }

  /** One attempt of a queued delivery; throws to have BullMQ retry it (until `lastAttempt`). */
  async deliver(deliveryId: string, attempt: number, lastAttempt: boolean): Promise<string> {
    const delivery = await this.deliveries.getById(deliveryId);
    // Raised inside a transaction not yet committed (or rolled back): retried, then dropped.
    if (!delivery) throw new DeliveryError(`delivery ${deliveryId} is not (yet) recorded`);
    if (delivery.status !== 'pending') return 'done already';
    const channel = await this.channels.getById(delivery.channelId);
    const alert = delivery.alertId ? await this.alerts.getById(delivery.alertId) : null;
    const quiet = !channel?.enabled
      ? 'the channel was disabled or removed'
      : !alert
        ? 'the alert is gone'
        : delivery.event === 'opened' && alert.status !== 'open'
          ? `the alert was ${alert.status} within the grace time`
          : null;
    if (quiet || !channel || !alert) {
      await this.deliveries.recordAttempt(deliveryId, { status: 'skipped', lastError: quiet });
      this.metrics.notifications.inc({ type: channel?.type ?? 'unknown', event: delivery.event, result: 'skipped' });
      return `skipped: ${quiet}`;
    }
    try {
      const receipt = await this.attempt(
        channel,
        delivery.event,
        await this.messageFor(channel, delivery.event, alert),
        attempt,
      );
      await this.deliveries.recordAttempt(deliveryId, {
        status: 'sent',
        attempts: attempt,
        lastStatusCode: receipt.statusCode,
        lastError: null,
        sentAt: new Date(),
      });
      return receipt.detail;
    } catch (err) {
      const e = err as DeliveryError;
      await this.deliveries.recordAttempt(deliveryId, {
        status: lastAttempt ? 'failed' : 'pending',
        attempts: attempt,
        lastStatusCode: e.statusCode ?? null,
        lastError: e.message,
      });
      throw err;
    }
  }

  /** A test message, sent now, whatever the routing: the receiver's answer or what went wrong. */
  async sendTest(channel: NotificationChannel): Promise<{ ok: boolean; statusCode: number | null; detail: string }> {
    const delivery = await this.deliveries.createTest(channel.id, new Date());
    try {
      const receipt = await this.attempt(channel, 'test', await this.messageFor(channel, 'test', null), 1);
      await this.deliveries.recordAttempt(delivery.id, {
        status: 'sent',
        attempts: 1,
        lastStatusCode: receipt.statusCode,
        sentAt: new Date(),
      });
      return { ok: true, statusCode: receipt.statusCode, detail: receipt.detail };
    } catch (err) {
      const e = err as DeliveryError;
      await this.deliveries.recordAttempt(delivery.id, {
        status: 'failed',
        attempts: 1,
        lastStatusCode: e.statusCode ?? null,
        lastError: e.message,
      });
      return { ok: false, statusCode: e.statusCode ?? null, detail: e.message };
    }
  }

  /** Sends, and records the outcome on the channel (shown in the console) and in /metrics. */
  private async attempt(
    channel: NotificationChannel,
    event: DeliveryEvent,
    message: NotificationMessage,
    attempt: number,
  ): Promise<DeliveryReceipt> {
    try {
      const receipt = await this.sender.send(channel, message, attempt);
      await this.channels.recordOutcome(channel.id, new Date(), true, receipt.detail);
      this.metrics.notifications.inc({ type: channel.type, event, result: 'sent' });
      return receipt;
    } catch (err) {
      const error = err instanceof DeliveryError ? err : new DeliveryError((err as Error).message);
      await this.channels.recordOutcome(channel.id, new Date(), false, error.message);
      this.metrics.notifications.inc({ type: channel.type, event, result: 'failed' });
      this.logger.warn(`channel ${channel.name} (${channel.type}) ${event}: ${error.message}`);
      throw error;
    }
  }

  private async messageFor(
    channel: NotificationChannel,
    event: DeliveryEvent,
    alert: Alert | null,
  ): Promise<NotificationMessage> {
    const hospitalId = alert?.hospitalId ?? channel.hospitalId;
    const hospital = hospitalId ? await this.hospitals.getById(hospitalId) : null;
    const site = alert?.siteId ? await this.sites.getById(alert.siteId) : null;
    return buildMessage(
      event,
      channel.language,
      alert && { kind: alert.kind, message: alert.message, details: alert.details, public: publicAlert(alert) },
      { hospitalName: hospital?.name, siteName: site?.name, consoleUrl: this.config.http.publicOrigins?.[0] ?? null },
    );
  }
}
