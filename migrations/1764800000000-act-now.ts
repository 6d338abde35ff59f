import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Act now (wake / shut down now) and agents' connection reasons:
 * - dispatches say where they come from: the schedule, or a person (`requested_by`,
 *   the username) asking for a wake or shutdown now; the index finds a kiosk's
 *   latest manual command, which holds until the schedule's next transition;
 * - agents remember who revoked their token, the token they held before the
 *   current one (rotation, re-enrolment) and how often a refused token was
 *   presented, so the console can say why an agent is offline;
 * - an enrolment code may be bound to an existing agent (re-enrolment in place).
 */
export class ActNow1764800000000 implements MigrationInterface {
  name = 'ActNow1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE dispatches
      ADD COLUMN source VARCHAR(16) NOT NULL DEFAULT 'schedule' AFTER rule_id,
      ADD COLUMN requested_by VARCHAR(64) NULL AFTER source,
      ADD KEY ix_dispatch_site_source_kiosk (site_id, source, kiosk_id, planned_at)`);
    await q.query(`ALTER TABLE agents
      ADD COLUMN token_revoked_by VARCHAR(64) NULL AFTER token_revoked_at,
      ADD COLUMN previous_token_hash CHAR(64) NULL AFTER token_revoked_by,
      ADD COLUMN token_refusals INT NOT NULL DEFAULT 0 AFTER previous_token_hash,
      ADD COLUMN token_refused_since DATETIME(3) NULL AFTER token_refusals,
      ADD COLUMN token_last_refused_at DATETIME(3) NULL AFTER token_refused_since,
      ADD KEY ix_agents_previous_token_hash (previous_token_hash)`);
    await q.query(`ALTER TABLE enrolment_codes ADD COLUMN for_agent_id CHAR(36) NULL AFTER agent_id`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE enrolment_codes DROP COLUMN for_agent_id`);
    await q.query(`ALTER TABLE agents
      DROP KEY ix_agents_previous_token_hash,
      DROP COLUMN token_last_refused_at, DROP COLUMN token_refused_since, DROP COLUMN token_refusals,
      DROP COLUMN previous_token_hash, DROP COLUMN token_revoked_by`);
    await q.query(
      `ALTER TABLE dispatches DROP KEY ix_dispatch_site_source_kiosk, DROP COLUMN requested_by, DROP COLUMN source`,
    );
  }
}
