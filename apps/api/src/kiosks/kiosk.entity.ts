import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { Timestamped } from '../database/timestamps';

export const KIOSK_KINDS = ['registration', 'payment', 'report-printer', 'self-service', 'information', 'other'] as const;
export type KioskKind = (typeof KIOSK_KINDS)[number];

/** How an agent shuts a kiosk down: a command template run without a shell, or an HTTP call. */
export type ShutdownMethod =
  | { method: 'command'; argv: string[]; timeoutS?: number }
  | { method: 'http'; url: string; httpMethod?: 'POST' | 'GET' | 'PUT'; timeoutS?: number };

@Entity('kiosks')
@Index('uq_kiosks_hospital_code', ['hospitalId', 'code'], { unique: true })
@Index('uq_kiosks_hospital_mac', ['hospitalId', 'mac'], { unique: true })
@Index('ix_kiosks_site', ['siteId'])
export class Kiosk extends Timestamped {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Column({ name: 'hospital_id', type: 'char', length: 36 })
  hospitalId!: string;

  @Column({ name: 'site_id', type: 'char', length: 36 })
  siteId!: string;

  @Column({ type: 'varchar', length: 64 })
  code!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 32 })
  kind!: KioskKind;

  @Column({ type: 'varchar', length: 200, default: '' })
  location!: string;

  @Column({ type: 'varchar', length: 1000, default: '' })
  notes!: string;

  @Column({ type: 'varchar', length: 45, nullable: true })
  ip!: string | null;

  @Column({ type: 'char', length: 17 })
  mac!: string;

  @Column({ type: 'varchar', length: 43, nullable: true })
  subnet!: string | null;

  @Column({ name: 'vnc_port', type: 'int', default: 5900 })
  vncPort!: number;

  @Column({ name: 'shutdown_method', type: 'json', nullable: true })
  shutdownMethod!: ShutdownMethod | null;
}
