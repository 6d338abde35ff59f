import { z } from 'zod';
import { pageQuery, uuid } from '../common/validation';
import { ROLES } from './user.entity';

const password = z.string().min(12, 'at least 12 characters').max(1024);

export const createUserBody = z
  .object({
    username: z.string().regex(/^[a-z0-9][a-z0-9._-]{1,63}$/, '2-64 lower-case letters, digits, ., - or _'),
    displayName: z.string().trim().max(200).default(''),
    password,
    role: z.enum(ROLES),
    hospitalIds: z.array(uuid).max(100).default([]),
    disabled: z.boolean().default(false),
  })
  .strict();
export const updateUserBody = createUserBody.omit({ username: true }).partial().strict();
export const listUsersQuery = pageQuery.extend({
  role: z.enum(ROLES).optional(),
  hospitalId: uuid.optional(),
  q: z.string().max(100).optional(),
});
