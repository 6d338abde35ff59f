import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notification channels (webhook JSON, WeCom and DingTalk robots, e-mail) with their
 * routing (hospital, sites, alert kinds) and grace time, and one row per delivery of
 * an alert to a channel: unique per (channel, alert, event), so raising or resolving
 * twice never sends twice. Alerts get an index for the console's filter by kind.
 */
export class AlertNotifications1764900000000 implements MigrationInterface {
  name = 'AlertNotifications1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE notification_channels (
      id CHAR(36) NOT NULL PRIMARY KEY,
      hospital_id CHAR(36) NULL,
      name VARCHAR(100) NOT NULL,
      type VARCHAR(20) NOT NULL,
      target VARCHAR(1000) NOT NULL,
      secret VARCHAR(200) NULL,
      language VARCHAR(8) NOT NULL,
      site_ids JSON NOT NULL,
      kinds JSON NOT NULL,
      grace_s INT NOT NULL,
      enabled TINYINT(1) NOT NULL,
      last_delivery_at DATETIME(3) NULL,
      last_delivery_ok TINYINT(1) NULL,
      last_delivery_detail VARCHAR(500) NULL,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      KEY ix_notification_channels_hospital (hospital_id),
      CONSTRAINT fk_notification_channel_hospital FOREIGN KEY (hospital_id) REFERENCES hospitals (id) ON DELETE CASCADE
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await q.query(`CREATE TABLE notification_deliveries (
      id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
      channel_id CHAR(36) NOT NULL,
      alert_id BIGINT NULL,
      event VARCHAR(16) NOT NULL,
      status VARCHAR(16) NOT NULL,
      attempts INT NOT NULL DEFAULT 0,
      last_status_code INT NULL,
      last_error VARCHAR(500) NULL,
      sent_at DATETIME(3) NULL,
      created_at DATETIME(3) NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      UNIQUE KEY uq_notification_delivery (channel_id, alert_id, event),
      KEY ix_notification_delivery_alert (alert_id),
      CONSTRAINT fk_notification_delivery_channel FOREIGN KEY (channel_id) REFERENCES notification_channels (id) ON DELETE CASCADE
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await q.query(`ALTER TABLE alerts ADD KEY ix_alerts_kind (kind, status, opened_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE alerts DROP KEY ix_alerts_kind`);
    await q.query(`DROP TABLE notification_deliveries`);
    await q.query(`DROP TABLE notification_channels`);
  }
}
