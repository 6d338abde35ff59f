import { DataSource } from 'typeorm';
import { migrations } from '../../../../migrations';
import type { AppConfig } from '../config/config';
import { entities } from './entities';

/**
 * The one TypeORM DataSource. Schema changes only through migrations/, never
 * `synchronize`. Dates travel as UTC (`timezone: 'Z'`) whatever the host's zone.
 */
export function createDataSource(db: AppConfig['db']): DataSource {
  const primary = { host: db.host, port: db.port, username: db.user, password: db.password, database: db.database };
  return new DataSource({
    type: 'mysql',
    ...primary,
    ...(db.readReplicas?.length && {
      replication: {
        master: primary,
        slaves: db.readReplicas.map((r) => ({ host: r.host, port: r.port, username: r.user, password: r.password, database: db.database })),
        // TypeORM's own default sends every SELECT to a replica, reads that decide writes
        // included: here only Database.onReadReplica goes there.
        defaultMode: 'master',
        // A node that failed 5 connects rests 5 s, never removed for good (mysql2's
        // default, 0, would drop the primary itself after a short outage).
        restoreNodeTimeout: 5000,
      },
    }),
    timezone: 'Z',
    charset: 'utf8mb4_unicode_ci',
    entities,
    migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    // DATE columns stay 'YYYY-MM-DD' strings: a Date object would shift them by the host's zone.
    dateStrings: ['DATE'],
    // Per pool: the primary's, and each replica's when DB_READ_HOSTS is set.
    extra: { connectionLimit: db.poolSize ?? 20 },
  });
}

/** Creates the database if it does not exist (MySQL/MariaDB: CREATE DATABASE IF NOT EXISTS). */
export async function ensureDatabase(db: AppConfig['db']): Promise<void> {
  const admin = new DataSource({
    type: 'mysql',
    host: db.host,
    port: db.port,
    username: db.user,
    password: db.password,
  });
  await admin.initialize();
  try {
    await admin.query(
      `CREATE DATABASE IF NOT EXISTS \`${db.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
  } finally {
    await admin.destroy();
  }
}

export async function dropDatabase(db: AppConfig['db']): Promise<void> {
  const admin = new DataSource({ type: 'mysql', host: db.host, port: db.port, username: db.user, password: db.password });
  await admin.initialize();
  try {
    await admin.query(`DROP DATABASE IF EXISTS \`${db.database}\``);
  } finally {
    await admin.destroy();
  }
}
