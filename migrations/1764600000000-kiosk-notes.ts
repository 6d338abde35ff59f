import { MigrationInterface, QueryRunner } from 'typeorm';

/** Free notes on a kiosk (what staff tell each other about it); staff may edit them. */
export class KioskNotes1764600000000 implements MigrationInterface {
  name = 'KioskNotes1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE kiosks ADD COLUMN notes VARCHAR(1000) NOT NULL DEFAULT '' AFTER location`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE kiosks DROP COLUMN notes');
  }
}
