import { createHash } from 'node:crypto';

/**
 * One hospital, one site and `count` enrolled agents, inserted directly (enrolment is
 * not what the benches measure). Agent i's token is `tokenOf(i)`; returns the agents' ids.
 */
export async function seedAgents(
  db: { query: (sql: string, params?: unknown[]) => Promise<unknown> },
  count: number,
  tokenOf: (i: number) => string,
): Promise<string[]> {
  const now = new Date();
  const uuid = (n: number, kind: number) => `00000000-0000-4000-8${kind}00-${n.toString(16).padStart(12, '0')}`;
  const hospital = uuid(1, 1);
  const site = uuid(1, 2);
  await db.query(
    `INSERT INTO hospitals (id, code, name, created_at, updated_at) VALUES (?, 'BENCH', 'Bench hospital', ?, ?)`,
    [hospital, now, now],
  );
  await db.query(
    `INSERT INTO sites (id, hospital_id, name, time_zone, created_at, updated_at) VALUES (?, ?, 'Bench site', 'Asia/Shanghai', ?, ?)`,
    [site, hospital, now, now],
  );
  const ids = Array.from({ length: count }, (_, i) => uuid(i + 1, 3));
  for (let i = 0; i < count; i += 500) {
    const chunk = ids.slice(i, i + 500);
    await db.query(
      `INSERT INTO agents (id, site_id, name, location, subnets, token_hash, created_at, updated_at) VALUES ${chunk.map(() => `(?, ?, ?, '', '[]', ?, ?, ?)`).join(', ')}`,
      chunk.flatMap((id, j) => [
        id,
        site,
        `pi-${i + j}`,
        createHash('sha256')
          .update(tokenOf(i + j))
          .digest('hex'),
        now,
        now,
      ]),
    );
  }
  return ids;
}
