import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A kiosk's shutdown method becomes the name of a method configured on its site's
 * agents (`varchar(32)`): agents no longer run programs or URLs sent by the server.
 * Inline methods recognisable as one of the example agent config's methods get its
 * name (a `net ... rpc` command -> `net-rpc`, an `ssh` command -> `ssh-shutdown`,
 * `http` -> `http-post`); any other becomes NULL. Every kiosk so changed gets an
 * audit entry by "system" with its method before and after, and a line on stdout,
 * so ops can see which kiosks lost or changed their method.
 */
export class ShutdownMethodNames1764610000000 implements MigrationInterface {
  name = 'ShutdownMethodNames1764610000000';

  async up(q: QueryRunner): Promise<void> {
    const rows: Array<{ id: string; hospital_id: string; code: string; name: string; shutdown_method: unknown }> =
      await q.query(
        `SELECT id, hospital_id, code, name, shutdown_method FROM kiosks WHERE shutdown_method IS NOT NULL ORDER BY hospital_id, code`,
      );
    const changes = rows
      .map((r) => {
        const before = storedJson(r.shutdown_method);
        return { ...r, before, after: methodName(before) };
      })
      .filter((c) => c.before !== null);

    // Names go into a new column that then replaces the old one: the JSON is never cast
    // to text in place (an inline method does not fit in 32 characters).
    await q.query(`ALTER TABLE kiosks ADD COLUMN shutdown_method_name VARCHAR(32) NULL AFTER shutdown_method`);
    const now = new Date();
    for (const c of changes) {
      await q.query(`UPDATE kiosks SET shutdown_method_name = ?, updated_at = ? WHERE id = ?`, [c.after, now, c.id]);
    }
    await q.query(
      `ALTER TABLE kiosks DROP COLUMN shutdown_method, CHANGE COLUMN shutdown_method_name shutdown_method VARCHAR(32) NULL`,
    );

    for (const c of changes) {
      await q.query(
        `INSERT INTO audit_entries (at, actor_id, actor_name, action, entity_type, entity_id, hospital_id, \`before\`, \`after\`)
         VALUES (?, NULL, 'system', 'update', 'kiosk', ?, ?, ?, ?)`,
        [
          now,
          c.id,
          c.hospital_id,
          JSON.stringify({ code: c.code, name: c.name, shutdownMethod: c.before }),
          JSON.stringify({ code: c.code, name: c.name, shutdownMethod: c.after }),
        ],
      );
      const was = JSON.stringify(c.before);
      console.log(
        `[migration] kiosk ${c.code} (${c.id}, hospital ${c.hospital_id}): shutdown method ${was.length > 160 ? `${was.slice(0, 157)}...` : was} -> ` +
          (c.after
            ? `"${c.after}" (the site's agents must define a method of this name)`
            : `none (not recognised: set the name of a method configured on the site's agents)`),
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE kiosks ADD COLUMN shutdown_method_json JSON NULL AFTER shutdown_method`);
    await q.query(
      `UPDATE kiosks SET shutdown_method_json = JSON_OBJECT('method', shutdown_method) WHERE shutdown_method IS NOT NULL`,
    );
    await q.query(
      `ALTER TABLE kiosks DROP COLUMN shutdown_method, CHANGE COLUMN shutdown_method_json shutdown_method JSON NULL`,
    );
  }
}

/** MySQL hands JSON columns over parsed, MariaDB (JSON is LONGTEXT there) as text. */
function storedJson(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? null;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** The name of the agent method an inline method did, if recognisable. */
function methodName(inline: unknown): string | null {
  if (typeof inline !== 'object' || inline === null) return null;
  const { method, argv, url } = inline as { method?: unknown; argv?: unknown; url?: unknown };
  if (method === 'http' && typeof url === 'string') return 'http-post';
  if (method !== 'command' || !Array.isArray(argv) || typeof argv[0] !== 'string') return null;
  const program = argv[0].split('/').pop();
  if (program === 'net' && argv.slice(1).includes('rpc')) return 'net-rpc';
  if (program === 'ssh') return 'ssh-shutdown';
  return null;
}
