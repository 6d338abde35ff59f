import { Injectable } from '@nestjs/common';
import { In, IsNull } from 'typeorm';
import { idsOfRowsNamedLike, namesOfRows, type RowNaming } from '../common/sql';
import { Database } from '../database/database.service';
import { NotificationChannel } from './notification-channel.entity';
import { DeliveryEvent, DeliveryStatus, NotificationDelivery } from './notification-delivery.entity';

/** How people know a notification channel: by its name (one of no hospital only to readers of every hospital). */
const NOTIFICATION_CHANNEL_NAMING: RowNaming = { from: 'notification_channels e', name: 'e.name', hospital: 'e.hospital_id' };

@Injectable()
export class NotificationChannelsRepository {
  constructor(private readonly db: Database) {}

  /** Current names of these notification channels within the hospitals, for the audit log. */
  namesByIds(ids: string[], hospitalIds: string[] | 'all'): Promise<Array<{ id: string; name: string }>> {
    return namesOfRows(this.db.manager, NOTIFICATION_CHANNEL_NAMING, ids, hospitalIds);
  }

  /** Ids of the notification channels within the hospitals whose name contains the text, for the audit log's search. */
  idsNamedLike(text: string, hospitalIds: string[] | 'all', limit: number): Promise<string[]> {
    return idsOfRowsNamedLike(this.db.manager, NOTIFICATION_CHANNEL_NAMING, text, hospitalIds, limit);
  }

  getById(id: string): Promise<NotificationChannel | null> {
    return this.db.repo(NotificationChannel).findOneBy({ id });
  }

  /** Channels of these hospitals and the every-hospital ones; 'all': every channel. */
  listVisible(hospitalIds: string[] | 'all'): Promise<NotificationChannel[]> {
    const order = { name: 'ASC' as const, id: 'ASC' as const };
    if (hospitalIds === 'all') return this.db.repo(NotificationChannel).find({ order });
    return this.db
      .repo(NotificationChannel)
      .find({
        where: [{ hospitalId: IsNull() }, ...(hospitalIds.length ? [{ hospitalId: In(hospitalIds) }] : [])],
        order,
      });
  }

  /** Enabled channels that may carry an alert of the hospital (routing by site and kind is the caller's). */
  enabledForHospital(hospitalId: string): Promise<NotificationChannel[]> {
    return this.db.repo(NotificationChannel).find({
      where: [
        { hospitalId, enabled: true },
        { hospitalId: IsNull(), enabled: true },
      ],
    });
  }

  save(channel: NotificationChannel): Promise<NotificationChannel> {
    return this.db.repo(NotificationChannel).save(channel);
  }

  async delete(id: string): Promise<void> {
    await this.db.repo(NotificationChannel).delete({ id });
  }

  async recordOutcome(id: string, at: Date, ok: boolean, detail: string): Promise<void> {
    await this.db
      .repo(NotificationChannel)
      .update({ id }, { lastDeliveryAt: at, lastDeliveryOk: ok, lastDeliveryDetail: detail.slice(0, 500) });
  }
}

@Injectable()
export class NotificationDeliveriesRepository {
  constructor(private readonly db: Database) {}

  /** The delivery of the event to the channel, created unless it exists: null when it did (sent or queued already). */
  async createOnce(channelId: string, alertId: string, event: DeliveryEvent, now: Date): Promise<string | null> {
    const result = await this.db.manager.query(
      `INSERT IGNORE INTO notification_deliveries (channel_id, alert_id, event, status, attempts, created_at, updated_at)
       VALUES (?, ?, ?, 'pending', 0, ?, ?)`,
      [channelId, alertId, event, now, now],
    );
    return result.affectedRows === 1 ? String(result.insertId) : null;
  }

  async createTest(channelId: string, now: Date): Promise<NotificationDelivery> {
    return this.db
      .repo(NotificationDelivery)
      .save(
        Object.assign(new NotificationDelivery(), {
          channelId,
          alertId: null,
          event: 'test',
          status: 'pending',
          attempts: 0,
          lastStatusCode: null,
          lastError: null,
          sentAt: null,
          createdAt: now,
        }),
      );
  }

  getById(id: string): Promise<NotificationDelivery | null> {
    return this.db.repo(NotificationDelivery).findOneBy({ id });
  }

  /** The channels that were told of the alert's opening: they are told of its end too. */
  async channelsNotifiedOf(alertId: string): Promise<string[]> {
    const rows = await this.db
      .repo(NotificationDelivery)
      .find({ where: { alertId, event: 'opened', status: 'sent' }, select: { channelId: true } });
    return rows.map((r) => r.channelId);
  }

  recentOfChannel(channelId: string, limit: number): Promise<NotificationDelivery[]> {
    return this.db.repo(NotificationDelivery).find({ where: { channelId }, order: { id: 'DESC' }, take: limit });
  }

  async recordAttempt(
    id: string,
    change: {
      status: DeliveryStatus;
      attempts?: number;
      lastStatusCode?: number | null;
      lastError?: string | null;
      sentAt?: Date;
    },
  ): Promise<void> {
    await this.db
      .repo(NotificationDelivery)
      .update(
        { id },
        { ...change, ...(change.lastError && { lastError: change.lastError.slice(0, 500) }), updatedAt: new Date() },
      );
  }
}
