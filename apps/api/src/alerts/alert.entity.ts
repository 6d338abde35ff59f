import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const ALERT_KINDS = [
  'kiosk_state',
  'no_agent',
  'dispatch_missed',
  'agent_offline',
  'temperature_high',
  'humidity_high',
  'smoke',
  'sensor_silent',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];
export type AlertStatus = 'open' | 'acknowledged' | 'resolved';

/** Something ops must look at. At most one open alert per condition (open_key). */
@Entity('alerts')
export class Alert {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'hospital_id', type: 'char', length: 36 })
  hospitalId!: string;

  @Column({ name: 'site_id', type: 'char', length: 36, nullable: true })
  siteId!: string | null;

  @Column({ name: 'kiosk_id', type: 'char', length: 36, nullable: true })
  kioskId!: string | null;

  @Column({ name: 'agent_id', type: 'char', length: 36, nullable: true })
  agentId!: string | null;

  @Column({ type: 'varchar', length: 40 })
  kind!: AlertKind;

  /** The condition while the alert is not resolved; NULL afterwards. */
  @Column({ name: 'open_key', type: 'varchar', length: 200, nullable: true })
  openKey!: string | null;

  @Column({ type: 'varchar', length: 16 })
  status!: AlertStatus;

  @Column({ type: 'varchar', length: 500 })
  message!: string;

  @Column({ type: 'json', nullable: true })
  details!: Record<string, unknown> | null;

  @Column({ name: 'opened_at', type: 'datetime', precision: 3 })
  openedAt!: Date;

  @Column({ name: 'last_seen_at', type: 'datetime', precision: 3 })
  lastSeenAt!: Date;

  @Column({ name: 'acknowledged_at', type: 'datetime', precision: 3, nullable: true })
  acknowledgedAt!: Date | null;

  @Column({ name: 'acknowledged_by', type: 'varchar', length: 64, nullable: true })
  acknowledgedBy!: string | null;

  @Column({ name: 'resolved_at', type: 'datetime', precision: 3, nullable: true })
  resolvedAt!: Date | null;
}
