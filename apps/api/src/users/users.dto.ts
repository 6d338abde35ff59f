import { z } from 'zod';
import { lineText } from '../common/text';
import { pageQuery, uuid } from '../common/validation';
import { ROLES } from './user.entity';

const password = z.string().min(12, 'at least 12 characters').max(1024);

const displayName = lineText().max(200);
const hospitalIds = z.array(uuid).max(100);
const role = z.enum(ROLES);

export const createUserBody = z
  .object({
    username: z.string().regex(/^[a-z0-9][a-z0-9._-]{1,63}$/, '2-64 lower-case letters, digits, ., - or _'),
    displayName: displayName.default(''),
    password,
    role,
    hospitalIds: hospitalIds.default([]),
    disabled: z.boolean().default(false),
  })
  .strict();
// No defaults here: a PATCH must not reset what it does not mention.
export const updateUserBody = z.object({ displayName, password, role, hospitalIds, disabled: z.boolean() }).partial().strict();
export const listUsersQuery = pageQuery.extend({
  role: z.enum(ROLES).optional(),
  hospitalId: uuid.optional(),
  q: z.string().max(100).optional(),
});
