import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { AuditService } from '../audit/audit.service';
import { SessionsService } from '../sessions/sessions.service';
import { notFoundError } from '../common/access.service';
import { badRequest, conflict } from '../common/errors';
import { ER_DUP_ENTRY, mysqlErrno } from '../common/sql';
import { Database } from '../database/database.service';
import { HospitalsRepository } from '../hospitals/hospitals.repository';
import { hashPassword } from './passwords';
import { User } from './user.entity';
import { createUserBody, listUsersQuery, updateUserBody } from './users.dto';
import { UsersRepository } from './users.repository';

/** What anyone sees of an account: never the password hash. */
function publicUser(user: User, hospitalIds: string[]) {
  const { passwordHash: _, ...rest } = user;
  return { ...rest, hospitalIds };
}

const isActiveAdmin = (u: { role: string; disabled: boolean }) => u.role === 'admin' && !u.disabled;

/**
 * Whether a change takes effect only with new sessions: what a session may see (role,
 * hospitals), whether it may exist at all (disabled), and the password it was opened
 * with. Sockets and screens of the old sessions close with them (SessionConnections).
 */
function endsSessions(
  before: ReturnType<typeof publicUser>,
  after: ReturnType<typeof publicUser>,
  passwordChanged: boolean,
): boolean {
  return (
    passwordChanged ||
    before.role !== after.role ||
    before.disabled !== after.disabled ||
    before.hospitalIds.join() !== after.hospitalIds.join()
  );
}

@Injectable()
export class UsersService {
  constructor(
    private readonly db: Database,
    private readonly users: UsersRepository,
    private readonly hospitals: HospitalsRepository,
    private readonly audit: AuditService,
    private readonly sessions: SessionsService,
  ) {}

  async list(query: z.output<typeof listUsersQuery>) {
    const page = await this.users.search(query);
    return { ...page, items: page.items.map(({ user, hospitalIds }) => publicUser(user, hospitalIds)) };
  }

  async get(id: string) {
    const user = await this.users.getById(id);
    if (!user) throw notFoundError('user', id);
    return publicUser(user, await this.users.hospitalIdsOf(id));
  }

  create(input: z.output<typeof createUserBody>) {
    return this.db.transaction(async () => {
      await this.checkHospitals(input.role, input.hospitalIds);
      const { password, hospitalIds, ...fields } = input;
      const user = Object.assign(new User(), { id: randomUUID(), ...fields, passwordHash: await hashPassword(password), lastLoginAt: null });
      await this.users.save(user).catch((err) => {
        if (mysqlErrno(err) === ER_DUP_ENTRY) throw conflict('USERNAME_TAKEN', 'this username is taken', 'username');
        throw err;
      });
      await this.users.setHospitals(user.id, hospitalIds);
      const after = publicUser(user, [...hospitalIds].sort());
      await this.audit.record({ action: 'create', entityType: 'user', entityId: user.id, after });
      return after;
    });
  }

  update(id: string, input: z.output<typeof updateUserBody>) {
    return this.db.transaction(async () => {
      const user = await this.users.getById(id);
      if (!user) throw notFoundError('user', id);
      const hospitalIdsBefore = await this.users.hospitalIdsOf(id);
      const before = publicUser({ ...user } as User, hospitalIdsBefore);
      const { password, hospitalIds, ...fields } = input;
      Object.assign(user, fields);
      if (password !== undefined) user.passwordHash = await hashPassword(password);
      const hospitalIdsAfter = hospitalIds ? [...new Set(hospitalIds)].sort() : hospitalIdsBefore;
      await this.checkHospitals(user.role, hospitalIdsAfter);
      if (isActiveAdmin(before) && !isActiveAdmin(user)) {
        await this.keepAnActiveAdmin(id, user.disabled ? 'disabled' : 'demoted');
      }
      await this.users.save(user);
      if (hospitalIds) await this.users.setHospitals(id, hospitalIdsAfter);
      const after = publicUser(user, hospitalIdsAfter);
      await this.audit.record({
        action: 'update',
        entityType: 'user',
        entityId: id,
        before,
        after: password !== undefined ? { ...after, password: 'changed' } : after,
      });
      if (endsSessions(before, after, password !== undefined)) await this.sessions.endAllOf(id, 'account_changed');
      return after;
    });
  }

  delete(id: string): Promise<void> {
    return this.db.transaction(async () => {
      const user = await this.users.getById(id);
      if (!user) throw notFoundError('user', id);
      const before = publicUser(user, await this.users.hospitalIdsOf(id));
      if (isActiveAdmin(user)) await this.keepAnActiveAdmin(id, 'deleted');
      await this.users.delete(id);
      await this.audit.record({ action: 'delete', entityType: 'user', entityId: id, before });
      await this.sessions.endAllOf(id, 'account_deleted');
    });
  }

  /** Someone must remain who can manage accounts: the last enabled admin stays one. */
  private async keepAnActiveAdmin(id: string, change: 'demoted' | 'disabled' | 'deleted'): Promise<void> {
    const others = (await this.users.lockActiveAdminIds()).filter((adminId) => adminId !== id);
    if (!others.length) {
      throw conflict('LAST_ADMIN', `the only enabled admin cannot be ${change}: make another account admin first`);
    }
  }

  private async checkHospitals(role: string, hospitalIds: string[]): Promise<void> {
    if (role === 'staff' && hospitalIds.length === 0) {
      throw badRequest('USER_HOSPITALS_REQUIRED', 'hospitalIds: a staff account needs at least one hospital', 'hospitalIds');
    }
    const found = new Set(await this.hospitals.existingIds(hospitalIds));
    const missing = hospitalIds.filter((h) => !found.has(h));
    if (missing.length) {
      throw badRequest('HOSPITAL_NOT_FOUND', `hospitalIds: no hospital ${missing.join(', ')}`, 'hospitalIds');
    }
  }
}
