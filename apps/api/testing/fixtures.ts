import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { hashPassword } from '../src/users/passwords';
import type { Role } from '../src/common/roles';

export const TEST_PASSWORD = 'test-password-1';

/**
 * Two hospitals with a site each, and one account per role: the starting point of
 * the access tests. Written straight to the database (not through the API) so that
 * the API's own audit log starts empty.
 */
export async function seedTwoHospitals(db: DataSource) {
  const now = new Date();
  const hospitalA = randomUUID();
  const hospitalB = randomUUID();
  const siteA = randomUUID();
  const siteB = randomUUID();
  await db.query(`INSERT INTO hospitals (id, code, name, created_at, updated_at) VALUES (?, 'HA', 'Hospital A', ?, ?), (?, 'HB', 'Hospital B', ?, ?)`, [
    hospitalA, now, now, hospitalB, now, now,
  ]);
  await db.query(
    `INSERT INTO sites (id, hospital_id, name, time_zone, created_at, updated_at) VALUES (?, ?, 'A main', 'Asia/Shanghai', ?, ?), (?, ?, 'B main', 'Europe/London', ?, ?)`,
    [siteA, hospitalA, now, now, siteB, hospitalB, now, now],
  );
  const hash = await hashPassword(TEST_PASSWORD);
  const users: Record<string, string> = {};
  const accounts: [string, Role, string[]][] = [
    ['admin', 'admin', []],
    ['ops', 'ops', []],
    ['staff-a', 'staff', [hospitalA]],
    ['staff-b', 'staff', [hospitalB]],
    ['viewer', 'viewer', []],
    ['viewer-a', 'viewer', [hospitalA]],
  ];
  for (const [username, role, hospitals] of accounts) {
    const id = randomUUID();
    users[username] = id;
    await db.query(
      `INSERT INTO users (id, username, display_name, password_hash, role, disabled, created_at, updated_at) VALUES (?, ?, '', ?, ?, 0, ?, ?)`,
      [id, username, hash, role, now, now],
    );
    for (const h of hospitals) await db.query(`INSERT INTO user_hospitals (user_id, hospital_id) VALUES (?, ?)`, [id, h]);
  }
  return { hospitalA, hospitalB, siteA, siteB, users };
}

export function kioskBody(siteId: string, n: number, extra: Record<string, unknown> = {}) {
  return {
    siteId,
    code: `MZ-1F-${String(n).padStart(2, '0')}`,
    name: `Registration ${n}`,
    kind: 'registration',
    location: 'Outpatient hall',
    ip: `10.1.2.${n}`,
    mac: `00:1a:2b:3c:4d:${n.toString(16).padStart(2, '0')}`,
    subnet: '10.1.2.0/24',
    vncPort: 5900,
    ...extra,
  };
}
