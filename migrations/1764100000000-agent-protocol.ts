import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The agent protocol (PROTOCOL.md): enrolment codes, the commands issued to agents
 * and their results, kiosk probes, offline actions, environment readings, and the
 * heartbeat fields of an agent.
 */
export class AgentProtocol1764100000000 implements MigrationInterface {
  name = 'AgentProtocol1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE agents ADD COLUMN uptime_s INT NULL AFTER clock_skew_ms, ADD COLUMN buffered_count INT NULL AFTER uptime_s`);
    await q.query(`CREATE TABLE enrolment_codes (
      id CHAR(36) NOT NULL PRIMARY KEY,
      site_id CHAR(36) NOT NULL,
      code_hash CHAR(64) NOT NULL,
      created_by CHAR(36) NULL,
      created_at DATETIME(3) NOT NULL,
      expires_at DATETIME(3) NOT NULL,
      used_at DATETIME(3) NULL,
      agent_id CHAR(36) NULL,
      UNIQUE KEY uq_enrolment_codes_hash (code_hash),
      KEY ix_enrolment_codes_site (site_id),
      CONSTRAINT fk_enrolment_codes_site FOREIGN KEY (site_id) REFERENCES sites (id) ON DELETE CASCADE
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    // History of what was sent to which agent; pending delivery itself lives in Redis.
    await q.query(`CREATE TABLE agent_commands (
      id VARCHAR(64) NOT NULL,
      agent_id CHAR(36) NOT NULL,
      type VARCHAR(16) NOT NULL,
      due_at DATETIME(3) NULL,
      expires_at DATETIME(3) NOT NULL,
      cancels VARCHAR(64) NULL,
      cancelled_at DATETIME(3) NULL,
      body JSON NOT NULL,
      created_at DATETIME(3) NOT NULL,
      PRIMARY KEY (id, agent_id),
      KEY ix_agent_commands_agent_created (agent_id, created_at)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await q.query(`CREATE TABLE command_results (
      command_id VARCHAR(64) NOT NULL,
      agent_id CHAR(36) NOT NULL,
      status VARCHAR(16) NOT NULL,
      started_at DATETIME(3) NOT NULL,
      finished_at DATETIME(3) NOT NULL,
      targets JSON NOT NULL,
      received_at DATETIME(3) NOT NULL,
      PRIMARY KEY (command_id, agent_id),
      KEY ix_command_results_agent (agent_id, received_at)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await q.query(`CREATE TABLE kiosk_probes (
      kiosk_id CHAR(36) NOT NULL,
      agent_id CHAR(36) NOT NULL,
      up TINYINT(1) NOT NULL,
      method VARCHAR(40) NOT NULL,
      latency_ms INT NULL,
      observed_at DATETIME(3) NOT NULL,
      received_at DATETIME(3) NOT NULL,
      PRIMARY KEY (kiosk_id, agent_id),
      KEY ix_kiosk_probes_agent (agent_id),
      CONSTRAINT fk_kiosk_probes_kiosk FOREIGN KEY (kiosk_id) REFERENCES kiosks (id) ON DELETE CASCADE,
      CONSTRAINT fk_kiosk_probes_agent FOREIGN KEY (agent_id) REFERENCES agents (id) ON DELETE CASCADE
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await q.query(`CREATE TABLE agent_offline_actions (
      id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
      agent_id CHAR(36) NOT NULL,
      at DATETIME(3) NOT NULL,
      type VARCHAR(16) NOT NULL,
      kiosk_ids JSON NOT NULL,
      executed_at DATETIME(3) NOT NULL,
      received_at DATETIME(3) NOT NULL,
      UNIQUE KEY uq_agent_offline_actions (agent_id, at, type)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    // No foreign key: raw readings are deleted in small batches by retention, never by cascade.
    await q.query(`CREATE TABLE readings (
      agent_id CHAR(36) NOT NULL,
      seq BIGINT NOT NULL,
      at DATETIME(3) NOT NULL,
      temperature_c DECIMAL(5,2) NULL,
      humidity_pct DECIMAL(5,2) NULL,
      smoke_raw INT NULL,
      smoke_alarm TINYINT(1) NULL,
      received_at DATETIME(3) NOT NULL,
      PRIMARY KEY (agent_id, seq),
      KEY ix_readings_agent_at (agent_id, at)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['readings', 'agent_offline_actions', 'kiosk_probes', 'command_results', 'agent_commands', 'enrolment_codes']) {
      await q.query(`DROP TABLE ${table}`);
    }
    await q.query(`ALTER TABLE agents DROP COLUMN buffered_count, DROP COLUMN uptime_s`);
  }
}
