import { Column, Entity, PrimaryColumn } from 'typeorm';
import { Timestamped } from '../database/timestamps';

/** The tenant: staff accounts are scoped to one or more hospitals. */
@Entity('hospitals')
export class Hospital extends Timestamped {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 32, unique: true })
  code!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;
}
