import { z } from 'zod';
import { badRequest } from './errors';

/**
 * Validates input at the edge. The first problem is reported with its field path
 * (e.g. `windows.0.end`) and all problems are listed in `details`. A check may name
 * a more precise code than `code` (`params.code` of a custom issue).
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, code = 'VALIDATION_FAILED'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
  const first = problems[0];
  const precise = (result.error.issues[0] as { params?: { code?: unknown } }).params?.code;
  throw badRequest(
    typeof precise === 'string' ? precise : code,
    first.field ? `${first.field}: ${first.message}` : first.message,
    first.field || undefined,
    problems,
  );
}

export const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'must be a UUID');

/** Paging parameters shared by every list endpoint. */
export const pageQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
});
export type PageQuery = z.output<typeof pageQuery>;

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

/** A path parameter that must be an entity id. */
export function parseId(id: string, field = 'id'): string {
  if (!uuid.safeParse(id).success) throw badRequest('INVALID_ID', `${field}: must be a UUID`, field);
  return id;
}
