import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dispatch: one row per (kiosk, planned instant, action) — the unique key makes a
 * transition happen once whatever the queue does twice — and alerts, with at most
 * one open alert per condition (open_key is the condition while open, NULL after).
 */
export class Dispatch1764200000000 implements MigrationInterface {
  name = 'Dispatch1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE dispatches (
      id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
      kiosk_id CHAR(36) NOT NULL,
      site_id CHAR(36) NOT NULL,
      hospital_id CHAR(36) NOT NULL,
      action VARCHAR(16) NOT NULL,
      planned_at DATETIME(3) NOT NULL,
      rule_id CHAR(36) NULL,
      status VARCHAR(16) NOT NULL,
      sent_at DATETIME(3) NULL,
      commands JSON NOT NULL,
      verifications JSON NOT NULL,
      outcome VARCHAR(500) NULL,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      UNIQUE KEY uq_dispatch_occurrence (kiosk_id, planned_at, action),
      KEY ix_dispatch_site_planned (site_id, planned_at),
      KEY ix_dispatch_status_planned (status, planned_at),
      CONSTRAINT fk_dispatch_kiosk FOREIGN KEY (kiosk_id) REFERENCES kiosks (id) ON DELETE CASCADE
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await q.query(`CREATE TABLE alerts (
      id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
      hospital_id CHAR(36) NOT NULL,
      site_id CHAR(36) NULL,
      kiosk_id CHAR(36) NULL,
      agent_id CHAR(36) NULL,
      kind VARCHAR(40) NOT NULL,
      open_key VARCHAR(200) NULL,
      status VARCHAR(16) NOT NULL,
      message VARCHAR(500) NOT NULL,
      details JSON NULL,
      opened_at DATETIME(3) NOT NULL,
      last_seen_at DATETIME(3) NOT NULL,
      acknowledged_at DATETIME(3) NULL,
      acknowledged_by VARCHAR(64) NULL,
      resolved_at DATETIME(3) NULL,
      UNIQUE KEY uq_alerts_open_key (open_key),
      KEY ix_alerts_hospital_status (hospital_id, status, opened_at),
      KEY ix_alerts_site (site_id, opened_at)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE alerts');
    await q.query('DROP TABLE dispatches');
  }
}
