import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { Timestamped } from '../database/timestamps';

export type RuleScopeKind = 'hospital' | 'site' | 'kiosks';
export type RuleLayer = 'regular' | 'override';
export interface RuleWindow {
  start: string;
  end: string;
}

/**
 * A schedule rule as staff edit it. Semantics (precedence, windows, time zones) live
 * in libs/scheduler; this is storage only. Dates are local dates of the site's zone.
 */
@Entity('power_rules')
@Index('ix_power_rules_hospital', ['hospitalId'])
@Index('ix_power_rules_site', ['siteId'])
export class PowerRuleRecord extends Timestamped {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Column({ name: 'hospital_id', type: 'char', length: 36 })
  hospitalId!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ name: 'scope_kind', type: 'varchar', length: 16 })
  scopeKind!: RuleScopeKind;

  @Column({ name: 'site_id', type: 'char', length: 36, nullable: true })
  siteId!: string | null;

  @Column({ name: 'kiosk_ids', type: 'json', nullable: true })
  kioskIds!: string[] | null;

  @Column({ type: 'varchar', length: 16 })
  layer!: RuleLayer;

  /** ISO weekdays (Monday = 1); null means every day. */
  @Column({ type: 'json', nullable: true })
  days!: number[] | null;

  @Column({ name: 'from_date', type: 'date', nullable: true })
  fromDate!: string | null;

  @Column({ name: 'until_date', type: 'date', nullable: true })
  untilDate!: string | null;

  @Column({ type: 'json' })
  windows!: RuleWindow[];

  @Column({ type: 'int', default: 0 })
  priority!: number;
}
