import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type DispatchAction = 'wake' | 'shutdown';
/**
 * planned -> sent -> verified | failed; or no_agent (nobody could send it), missed
 * (found too late), skipped (the state it led to is no longer expected), cancelled
 * (the schedule changed after delivery), superseded (closed quietly at a verification:
 * the kiosk's expected state changed since, by the schedule or a manual command).
 */
export type DispatchStatus = 'planned' | 'sent' | 'verified' | 'failed' | 'no_agent' | 'missed' | 'skipped' | 'cancelled' | 'superseded';
/** The schedule's transitions, or a person's wake / shutdown now (`requestedBy`). */
export type DispatchSource = 'schedule' | 'manual';

export interface DispatchCommandRecord {
  agentId: string;
  commandId: string;
  issuedAt: string;
  attempt: number;
}

export interface Verification {
  at: string;
  afterS: number;
  observed: 'up' | 'down' | 'unknown';
  ok: boolean;
  action: 'none' | 'woken-again' | 'alerted' | 'superseded';
}

/** One planned transition of one kiosk and what happened to it. */
@Entity('dispatches')
@Index('uq_dispatch_occurrence', ['kioskId', 'plannedAt', 'action'], { unique: true })
export class Dispatch {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'kiosk_id', type: 'char', length: 36 })
  kioskId!: string;

  @Column({ name: 'site_id', type: 'char', length: 36 })
  siteId!: string;

  @Column({ name: 'hospital_id', type: 'char', length: 36 })
  hospitalId!: string;

  @Column({ type: 'varchar', length: 16 })
  action!: DispatchAction;

  @Column({ name: 'planned_at', type: 'datetime', precision: 3 })
  plannedAt!: Date;

  @Column({ name: 'rule_id', type: 'char', length: 36, nullable: true })
  ruleId!: string | null;

  @Column({ type: 'varchar', length: 16, default: 'schedule' })
  source!: DispatchSource;

  /** The username of who asked for a manual dispatch; NULL for the schedule's. */
  @Column({ name: 'requested_by', type: 'varchar', length: 64, nullable: true })
  requestedBy!: string | null;

  @Column({ type: 'varchar', length: 16 })
  status!: DispatchStatus;

  @Column({ name: 'sent_at', type: 'datetime', precision: 3, nullable: true })
  sentAt!: Date | null;

  @Column({ type: 'json' })
  commands!: DispatchCommandRecord[];

  @Column({ type: 'json' })
  verifications!: Verification[];

  @Column({ type: 'varchar', length: 500, nullable: true })
  outcome!: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;
}
