import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Timestamped } from '../database/timestamps';

export type DeliveryEvent = 'opened' | 'resolved' | 'test';
/** pending: queued or retrying; skipped: quiet (resolved within the grace time, channel off). */
export type DeliveryStatus = 'pending' | 'sent' | 'failed' | 'skipped';

/** One alert event to one channel: created once (unique), then updated by each attempt. */
@Entity('notification_deliveries')
export class NotificationDelivery extends Timestamped {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'channel_id', type: 'char', length: 36 })
  channelId!: string;

  @Column({ name: 'alert_id', type: 'bigint', nullable: true })
  alertId!: string | null;

  @Column({ type: 'varchar', length: 16 })
  event!: DeliveryEvent;

  @Column({ type: 'varchar', length: 16 })
  status!: DeliveryStatus;

  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ name: 'last_status_code', type: 'int', nullable: true })
  lastStatusCode!: number | null;

  @Column({ name: 'last_error', type: 'varchar', length: 500, nullable: true })
  lastError!: string | null;

  @Column({ name: 'sent_at', type: 'datetime', precision: 3, nullable: true })
  sentAt!: Date | null;
}
