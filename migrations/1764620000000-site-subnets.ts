import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each site declares the subnets its kiosks live in (CIDR list, set by ops): the screen
 * relay's direct route connects only to kiosk addresses inside them. Empty until ops
 * declare them, so that no screen opens toward an address nobody vouched for.
 */
export class SiteSubnets1764620000000 implements MigrationInterface {
  name = 'SiteSubnets1764620000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE sites ADD COLUMN subnets JSON NOT NULL DEFAULT (JSON_ARRAY())`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE sites DROP COLUMN subnets');
  }
}
