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
