import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Environment telemetry (apps/api/src/telemetry/README.md): raw readings
 * partitioned by day on `at` so that retention drops whole partitions, 5-minute
 * and hourly rollups, per-site thresholds, and the rollup progress marker.
 *
 * Every unique key of a partitioned table must contain the partitioning column,
 * so the primary key becomes (agent_id, at, seq): a resend carries the same
 * (seq, at) and is still stored once. It also clusters each agent's rows by time,
 * which is what charts and rollups read. The index on received_at (covering
 * agent_id and at through the primary key) lets the rollup job find the buckets
 * touched by readings that arrived since its last pass, however old their `at`.
 */
export class Telemetry1764300000000 implements MigrationInterface {
  name = 'Telemetry1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE readings
      DROP PRIMARY KEY,
      DROP KEY ix_readings_agent_at,
      ADD PRIMARY KEY (agent_id, at, seq),
      ADD KEY ix_readings_received (received_at)`);
    // Yesterday .. today + 3 as day partitions; older rows go to p_start, later ones to p_future.
    // The partition job keeps days ahead of time and drops expired ones.
    const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
    const day = (offset: number) => new Date(today + offset * 86_400_000).toISOString().slice(0, 10);
    const parts = [`PARTITION p_start VALUES LESS THAN (TO_DAYS('${day(-1)}'))`];
    for (let d = -1; d <= 3; d++) {
      parts.push(`PARTITION p${day(d).replace(/-/g, '')} VALUES LESS THAN (TO_DAYS('${day(d + 1)}'))`);
    }
    parts.push('PARTITION p_future VALUES LESS THAN MAXVALUE');
    await q.query(`ALTER TABLE readings PARTITION BY RANGE (TO_DAYS(at)) (${parts.join(', ')})`);

    for (const table of ['readings_5m', 'readings_1h']) {
      await q.query(`CREATE TABLE ${table} (
        agent_id CHAR(36) NOT NULL,
        bucket DATETIME NOT NULL,
        temperature_min DECIMAL(5,2) NULL,
        temperature_max DECIMAL(5,2) NULL,
        temperature_sum DECIMAL(14,2) NOT NULL DEFAULT 0,
        temperature_count INT NOT NULL DEFAULT 0,
        humidity_min DECIMAL(5,2) NULL,
        humidity_max DECIMAL(5,2) NULL,
        humidity_sum DECIMAL(14,2) NOT NULL DEFAULT 0,
        humidity_count INT NOT NULL DEFAULT 0,
        smoke_min INT NULL,
        smoke_max INT NULL,
        smoke_sum BIGINT NOT NULL DEFAULT 0,
        smoke_count INT NOT NULL DEFAULT 0,
        smoke_alarm_count INT NOT NULL DEFAULT 0,
        reading_count INT NOT NULL DEFAULT 0,
        PRIMARY KEY (agent_id, bucket),
        KEY ix_${table}_bucket (bucket)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    }
    await q.query(`CREATE TABLE telemetry_progress (
      name VARCHAR(40) NOT NULL PRIMARY KEY,
      position DATETIME(3) NOT NULL
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    await q.query(`CREATE TABLE site_thresholds (
      site_id CHAR(36) NOT NULL PRIMARY KEY,
      settings JSON NOT NULL,
      updated_at DATETIME(3) NOT NULL,
      CONSTRAINT fk_site_thresholds_site FOREIGN KEY (site_id) REFERENCES sites (id) ON DELETE CASCADE
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['site_thresholds', 'telemetry_progress', 'readings_1h', 'readings_5m']) await q.query(`DROP TABLE ${table}`);
    await q.query(`ALTER TABLE readings REMOVE PARTITIONING`);
    // (agent_id, seq) was unique before: keep the earliest row of a seq sent with two different instants.
    await q.query(`DELETE r FROM readings r JOIN readings o ON o.agent_id = r.agent_id AND o.seq = r.seq AND o.at < r.at`);
    await q.query(`ALTER TABLE readings
      DROP PRIMARY KEY,
      DROP KEY ix_readings_received,
      ADD PRIMARY KEY (agent_id, seq),
      ADD KEY ix_readings_agent_at (agent_id, at)`);
  }
}
