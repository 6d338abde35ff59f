import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The fleet overview counts open alerts per site for every site at once. Resolved
 * alerts accumulate for good; without this index that count reads all of them.
 */
export class AlertsStatusSite1765000000000 implements MigrationInterface {
  name = 'AlertsStatusSite1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE alerts ADD KEY ix_alerts_status_site (status, site_id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE alerts DROP KEY ix_alerts_status_site');
  }
}
