import { z } from 'zod';
import { ROLES } from '../common/roles';
import { lineText } from '../common/text';
import { pageQuery, uuid } from '../common/validation';
import { normaliseUsername } from './usernames';

const password = z.string().min(12, 'at least 12 characters').max(1024);

const displayName = lineText().max(200);
const hospitalIds = z.array(uuid).max(100);
const role = z.enum(ROLES);

export const createUserBody = z
  .object({
    // Checked as it will be stored: `Viewer ` is `viewer`, and taken if that is (409).
    username: z
      .string()
      .max(256)
      .transform(normaliseUsername)
      .pipe(z.string().regex(/^[a-z0-9][a-z0-9._-]{1,63}$/, '2-64 lower-case letters, digits, ., - or _')),
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
