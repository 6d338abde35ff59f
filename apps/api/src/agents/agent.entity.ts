import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { Timestamped } from '../database/timestamps';

/** A Raspberry Pi at a site. Several per site, in different VLANs. */
@Entity('agents')
@Index('uq_agents_site_name', ['siteId', 'name'], { unique: true })
export class Agent extends Timestamped {
  @PrimaryColumn({ type: 'char', length: 36 })
  id!: string;

  @Column({ name: 'site_id', type: 'char', length: 36 })
  siteId!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'varchar', length: 200, default: '' })
  location!: string;

  /** CIDR blocks this agent can reach, e.g. ["10.1.2.0/24"]. */
  @Column({ type: 'json' })
  subnets!: string[];

  /** SHA-256 of the agent's bearer token; the token itself is never stored. */
  @Column({ name: 'token_hash', type: 'char', length: 64, nullable: true, unique: true })
  tokenHash!: string | null;

  @Column({ name: 'token_revoked_at', type: 'datetime', precision: 3, nullable: true })
  tokenRevokedAt!: Date | null;

  /** Username of who revoked the token. */
  @Column({ name: 'token_revoked_by', type: 'varchar', length: 64, nullable: true })
  tokenRevokedBy!: string | null;

  /** The token before the current one (rotation, re-enrolment): a Pi still sending it is told apart from a stranger. */
  @Column({ name: 'previous_token_hash', type: 'char', length: 64, nullable: true })
  previousTokenHash!: string | null;

  /** Requests refused since the current token was issued that carried its revoked or previous token. */
  @Column({ name: 'token_refusals', type: 'int', default: 0 })
  tokenRefusals!: number;

  @Column({ name: 'token_refused_since', type: 'datetime', precision: 3, nullable: true })
  tokenRefusedSince!: Date | null;

  @Column({ name: 'token_last_refused_at', type: 'datetime', precision: 3, nullable: true })
  tokenLastRefusedAt!: Date | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  hostname!: string | null;

  @Column({ type: 'varchar', length: 40, nullable: true })
  version!: string | null;

  @Column({ name: 'last_heartbeat_at', type: 'datetime', precision: 3, nullable: true })
  lastHeartbeatAt!: Date | null;

  /** Agent clock minus server clock at the last heartbeat, in ms. */
  @Column({ name: 'clock_skew_ms', type: 'int', nullable: true })
  clockSkewMs!: number | null;

  /** Seconds since the agent started, from its last heartbeat. */
  @Column({ name: 'uptime_s', type: 'int', nullable: true })
  uptimeS!: number | null;

  /** Readings and results waiting in the agent's disk buffer at its last heartbeat. */
  @Column({ name: 'buffered_count', type: 'int', nullable: true })
  bufferedCount!: number | null;
}
