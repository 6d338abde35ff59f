import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { AlertKind } from '../alerts/alert.entity';
import type { AlertLanguage } from '../alerts/alert-text';
import { Timestamped } from '../database/timestamps';

export const CHANNEL_TYPES = ['webhook-json', 'wecom', 'dingtalk', 'email'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/**
 * Where alerts are sent: a webhook (generic JSON, WeCom or DingTalk group robot) or
 * e-mail addresses, for one hospital (or every one), optionally only some of its
 * sites and some alert kinds. An alert that resolves within `graceS` sends nothing.
 */
@Entity('notification_channels')
export class NotificationChannel extends Timestamped {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  /** null: every hospital (admins only). */
  @Column({ name: 'hospital_id', type: 'char', length: 36, nullable: true })
  hospitalId!: string | null;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'varchar', length: 20 })
  type!: ChannelType;

  /** The webhook's URL, or e-mail addresses separated by commas. */
  @Column({ type: 'varchar', length: 1000 })
  target!: string;

  /** DingTalk's signing secret ("SEC..."); never returned by the API. */
  @Column({ type: 'varchar', length: 200, nullable: true })
  secret!: string | null;

  @Column({ type: 'varchar', length: 8 })
  language!: AlertLanguage;

  /** Only alerts of these sites; empty: every site of the hospital. */
  @Column({ name: 'site_ids', type: 'json' })
  siteIds!: string[];

  /** Only these alert kinds; empty: every kind. */
  @Column({ type: 'json' })
  kinds!: AlertKind[];

  @Column({ name: 'grace_s', type: 'int' })
  graceS!: number;

  @Column({ type: 'boolean' })
  enabled!: boolean;

  @Column({ name: 'last_delivery_at', type: 'datetime', precision: 3, nullable: true })
  lastDeliveryAt!: Date | null;

  @Column({ name: 'last_delivery_ok', type: 'boolean', nullable: true })
  lastDeliveryOk!: boolean | null;

  /** "HTTP 200", or what went wrong, of the last attempt (a test message included). */
  @Column({ name: 'last_delivery_detail', type: 'varchar', length: 500, nullable: true })
  lastDeliveryDetail!: string | null;
}
