/**
 * The one spelling of a username: what is stored, looked up and rate-limited.
 *
 * Compatibility forms become plain ones (NFKC: full-width `ｖｉｅｗｅｒ` is `viewer`),
 * accents on letters go (`víewer` is `viewer`, as MySQL's utf8mb4_unicode_ci compared
 * them), then lower case, then no surrounding white space. The `users.username`
 * column compares bytes (utf8mb4_bin), so the database sees two names as one account
 * exactly when this function does. Idempotent.
 */
export function normaliseUsername(given: string): string {
  return given
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .normalize('NFKC')
    .toLowerCase()
    .trim();
}
