/**
 * Who a signed-in user is to the access rules. Here, below every domain, because the
 * request context and the route guards need it as much as the users' table does.
 */
export const ROLES = ['admin', 'ops', 'staff', 'viewer'] as const;
export type Role = (typeof ROLES)[number];
