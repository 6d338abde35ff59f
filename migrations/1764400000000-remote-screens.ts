import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Remote screens: how the API reaches a site's kiosks' VNC ports (`direct` where the
 * server routes to the hospital network, `agent` through a Pi's outbound relay
 * channel), and one row per screen session for the audit (who, which kiosk, route,
 * start, end, bytes, view or control). Sessions keep no foreign key: they outlive
 * the kiosk they showed, as audit entries do.
 */
export class RemoteScreens1764400000000 implements MigrationInterface {
  name = 'RemoteScreens1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sites ADD COLUMN remote_route VARCHAR(8) NOT NULL DEFAULT 'direct'`);
    await q.query(`CREATE TABLE remote_sessions (
      id CHAR(36) NOT NULL PRIMARY KEY,
      hospital_id CHAR(36) NOT NULL,
      site_id CHAR(36) NOT NULL,
      kiosk_id CHAR(36) NOT NULL,
      kiosk_code VARCHAR(64) NOT NULL,
      user_id CHAR(36) NOT NULL,
      username VARCHAR(64) NOT NULL,
      route VARCHAR(8) NOT NULL,
      agent_id CHAR(36) NULL,
      target VARCHAR(64) NOT NULL,
      control_allowed TINYINT(1) NOT NULL,
      control_used TINYINT(1) NOT NULL DEFAULT 0,
      started_at DATETIME(3) NOT NULL,
      ended_at DATETIME(3) NULL,
      bytes_to_viewer BIGINT NOT NULL DEFAULT 0,
      bytes_from_viewer BIGINT NOT NULL DEFAULT 0,
      end_reason VARCHAR(64) NULL,
      KEY ix_remote_sessions_kiosk (kiosk_id, started_at),
      KEY ix_remote_sessions_site (site_id, started_at),
      KEY ix_remote_sessions_user (user_id, started_at),
      KEY ix_remote_sessions_hospital (hospital_id, started_at)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE remote_sessions');
    await q.query('ALTER TABLE sites DROP COLUMN remote_route');
  }
}
