/** Escapes LIKE wildcards so a search for "50%" matches the text "50%". */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** MySQL/MariaDB error numbers the services turn into domain errors. */
export const ER_DUP_ENTRY = 1062;
export const ER_ROW_IS_REFERENCED = 1451;
export const ER_NO_REFERENCED_ROW = 1452;

export function mysqlErrno(err: unknown): number | undefined {
  const e = err as { errno?: number; driverError?: { errno?: number } };
  return e?.driverError?.errno ?? e?.errno;
}

/**
 * How a table names its rows for people (the audit log shows current names and finds
 * entries by them): the FROM clause (the table aliased `e`), the SQL expression of a
 * row's name, and the one of its hospital (null: in no hospital, named only to readers
 * who see every hospital). Each owning repository declares its own.
 */
export interface RowNaming {
  from: string;
  name: string;
  hospital: string | null;
}

interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/** Current names of the rows with these ids that exist within the hospitals ('all': any). */
export async function namesOfRows(
  db: Queryable,
  naming: RowNaming,
  ids: string[],
  hospitalIds: string[] | 'all',
): Promise<Array<{ id: string; name: string }>> {
  const scope = hospitalScope(naming.hospital, hospitalIds);
  if (!scope || !ids.length) return [];
  return (await db.query(
    `SELECT e.id AS id, ${naming.name} AS name FROM ${naming.from} WHERE e.id IN (?)${scope.sql}`,
    [ids, ...scope.params],
  )) as Array<{ id: string; name: string }>;
}

/** Ids of the rows within the hospitals whose name contains the text; at most `limit`. */
export async function idsOfRowsNamedLike(
  db: Queryable,
  naming: RowNaming,
  text: string,
  hospitalIds: string[] | 'all',
  limit: number,
): Promise<string[]> {
  const scope = hospitalScope(naming.hospital, hospitalIds);
  if (!scope) return [];
  const rows = (await db.query(
    `SELECT e.id AS id FROM ${naming.from} WHERE ${naming.name} LIKE ?${scope.sql} LIMIT ${Number(limit)}`,
    [`%${escapeLike(text)}%`, ...scope.params],
  )) as Array<{ id: string }>;
  return rows.map((r) => r.id);
}

function hospitalScope(
  hospitalColumn: string | null,
  hospitalIds: string[] | 'all',
): { sql: string; params: unknown[] } | null {
  if (hospitalIds === 'all') return { sql: '', params: [] };
  if (hospitalColumn === null || hospitalIds.length === 0) return null;
  return { sql: ` AND ${hospitalColumn} IN (?)`, params: [hospitalIds] };
}
