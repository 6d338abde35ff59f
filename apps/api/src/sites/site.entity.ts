import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { Timestamped } from '../database/timestamps';

/** A campus of a hospital. Its IANA zone is the only place a zone is stored. */
@Entity('sites')
@Index('uq_sites_hospital_name', ['hospitalId', 'name'], { unique: true })
export class Site extends Timestamped {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Column({ name: 'hospital_id', type: 'char', length: 36 })
  hospitalId!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ name: 'time_zone', type: 'varchar', length: 64 })
  timeZone!: string;

  /** CIDR blocks the site's kiosks live in; the screen relay's direct route connects only inside them. */
  @Column({ type: 'json' })
  subnets!: string[];
}
