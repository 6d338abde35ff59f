import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Who changed what and when, with the state before and after. Written in the change's transaction. */
@Entity('audit_entries')
@Index('ix_audit_at', ['at'])
@Index('ix_audit_hospital_at', ['hospitalId', 'at'])
@Index('ix_audit_entity', ['entityType', 'entityId'])
@Index('ix_audit_actor_at', ['actorId', 'at'])
export class AuditEntry {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'datetime', precision: 3 })
  at!: Date;

  @Column({ name: 'actor_id', type: 'char', length: 36, nullable: true })
  actorId!: string | null;

  @Column({ name: 'actor_name', type: 'varchar', length: 64 })
  actorName!: string;

  @Column({ type: 'varchar', length: 40 })
  action!: string;

  @Column({ name: 'entity_type', type: 'varchar', length: 40 })
  entityType!: string;

  @Column({ name: 'entity_id', type: 'varchar', length: 64, nullable: true })
  entityId!: string | null;

  @Column({ name: 'hospital_id', type: 'char', length: 36, nullable: true })
  hospitalId!: string | null;

  @Column({ type: 'json', nullable: true })
  before!: Record<string, unknown> | null;

  @Column({ type: 'json', nullable: true })
  after!: Record<string, unknown> | null;

  @Column({ name: 'request_id', type: 'varchar', length: 64, nullable: true })
  requestId!: string | null;

  @Column({ type: 'varchar', length: 45, nullable: true })
  ip!: string | null;
}
