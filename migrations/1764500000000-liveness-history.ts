import { MigrationInterface, QueryRunner } from 'typeorm';

/** Every change of a kiosk's observed state (up when any agent of its site sees it up), for its liveness history. */
export class LivenessHistory1764500000000 implements MigrationInterface {
  name = 'LivenessHistory1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE kiosk_liveness_changes (
      id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
      kiosk_id CHAR(36) NOT NULL,
      site_id CHAR(36) NOT NULL,
      observed VARCHAR(8) NOT NULL,
      observed_at DATETIME(3) NOT NULL,
      recorded_at DATETIME(3) NOT NULL,
      KEY ix_liveness_kiosk_at (kiosk_id, observed_at),
      CONSTRAINT fk_liveness_kiosk FOREIGN KEY (kiosk_id) REFERENCES kiosks (id) ON DELETE CASCADE
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE kiosk_liveness_changes');
  }
}
