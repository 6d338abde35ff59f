import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One spelling per account: every username is stored normalised (NFKC, accents on
 * letters dropped, lower case, trimmed: apps/api/src/users/usernames.ts, copied below
 * as it was when this ran) and `users.username` compares byte for byte
 * (utf8mb4_bin). Under utf8mb4_unicode_ci `viewer `, `víewer` and `ｖｉｅｗｅｒ` found the
 * account `viewer` while the login limiter counted them apart.
 *
 * Refuses, changing nothing, when two accounts would become one or a name would no
 * longer fit: the message names them so an admin can rename or delete one first.
 * Every renamed account gets an audit entry by "system" and a line on stdout. Down
 * restores the collation; the names stay normalised.
 */
export class NormalisedUsernames1764700000000 implements MigrationInterface {
  name = 'NormalisedUsernames1764700000000';

  async up(q: QueryRunner): Promise<void> {
    const rows: Array<{ id: string; username: string }> = await q.query(
      `SELECT id, username FROM users ORDER BY username, id`,
    );
    const accounts = new Map<string, Array<{ id: string; username: string }>>();
    for (const row of rows) {
      const name = normaliseUsername(row.username);
      accounts.set(name, [...(accounts.get(name) ?? []), row]);
    }
    const problems: string[] = [];
    for (const [name, same] of accounts) {
      const listed = same.map((r) => `${JSON.stringify(r.username)} (id ${r.id})`).join(', ');
      if (same.length > 1) problems.push(`${listed} would all become ${JSON.stringify(name)}`);
      else if (name.length === 0 || name.length > 64)
        problems.push(`${listed} would become ${JSON.stringify(name)} (not 1-64 characters)`);
    }
    if (problems.length) {
      throw new Error(
        `Cannot normalise usernames, nothing was changed:\n${problems.map((p) => `  - ${p}`).join('\n')}\n` +
          `Rename or delete the accounts concerned (for example UPDATE users SET username = 'new-name' WHERE id = '...'), then migrate again.`,
      );
    }

    // Binary first: names unique under the old collation are unique byte for byte, and
    // each rename then lands on a name no other account has (checked above).
    await q.query(`ALTER TABLE users MODIFY username VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL`);
    const now = new Date();
    for (const [name, [row]] of accounts) {
      if (name === row.username) continue;
      await q.query(`UPDATE users SET username = ?, updated_at = ? WHERE id = ?`, [name, now, row.id]);
      await q.query(
        `INSERT INTO audit_entries (at, actor_id, actor_name, action, entity_type, entity_id, hospital_id, \`before\`, \`after\`)
         VALUES (?, NULL, 'system', 'update', 'user', ?, NULL, ?, ?)`,
        [now, row.id, JSON.stringify({ username: row.username }), JSON.stringify({ username: name })],
      );
      console.log(
        `[migration] user ${row.id}: username ${JSON.stringify(row.username)} -> ${JSON.stringify(name)} (the old spelling still signs in)`,
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE users MODIFY username VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL`,
    );
  }
}

/**
 * The app's normaliseUsername (apps/api/src/users/usernames.ts) as it was when this
 * migration was written: a migration must do the same thing on every database it ever
 * runs on, whatever the app's function becomes later, so it keeps its own copy.
 */
function normaliseUsername(given: string): string {
  return given
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .normalize('NFKC')
    .toLowerCase()
    .trim();
}
