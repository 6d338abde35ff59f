import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Role } from '../common/roles';
import { Timestamped } from '../database/timestamps';

@Entity('users')
export class User extends Timestamped {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  /** Normalised (usernames.ts) and compared byte for byte: one spelling per account. */
  @Column({ type: 'varchar', length: 64, unique: true, collation: 'utf8mb4_bin' })
  username!: string;

  @Column({ name: 'display_name', type: 'varchar', length: 200, default: '' })
  displayName!: string;

  /** argon2id hash (PHC string). */
  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash!: string;

  @Column({ type: 'varchar', length: 16 })
  role!: Role;

  @Column({ type: 'boolean', default: false })
  disabled!: boolean;

  @Column({ name: 'last_login_at', type: 'datetime', precision: 3, nullable: true })
  lastLoginAt!: Date | null;
}

/** Which hospitals a staff or viewer account may see. Admin and ops see all. */
@Entity('user_hospitals')
export class UserHospital {
  @PrimaryColumn({ name: 'user_id', type: 'char', length: 36 })
  userId!: string;

  @PrimaryColumn({ name: 'hospital_id', type: 'char', length: 36 })
  hospitalId!: string;
}
