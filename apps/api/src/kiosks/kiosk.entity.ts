import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { Timestamped } from '../database/timestamps';

export const KIOSK_KINDS = ['registration', 'payment', 'report-printer', 'self-service', 'information', 'other'] as const;
export type KioskKind = (typeof KIOSK_KINDS)[number];

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

  /**
   * The name of a shutdown method configured on the site's agents (e.g. `net-rpc`):
   * agents run only their own methods, never a program or URL from the server.
   */
  @Column({ name: 'shutdown_method', type: 'varchar', length: 32, nullable: true })
  shutdownMethod!: string | null;
}
