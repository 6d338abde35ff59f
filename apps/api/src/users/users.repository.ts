import { Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import { Database } from '../database/database.service';
import type { Page } from '../common/validation';
import type { Role } from '../common/roles';
import { escapeLike, idsOfRowsNamedLike, namesOfRows, type RowNaming } from '../common/sql';
import { User, UserHospital } from './user.entity';
import { normaliseUsername } from './usernames';

export interface UserWithHospitals {
  user: User;
  hospitalIds: string[];
}

/**
 * How people know a user: `display name (username)`, or the username. Accounts belong to
 * no one hospital, so only readers of every hospital see them named.
 */
const USER_NAMING: RowNaming = {
  from: 'users e',
  name: "IF(e.display_name = '', e.username, CONCAT(e.display_name, ' (', e.username, ')'))",
  hospital: null,
};

@Injectable()
export class UsersRepository {
  constructor(private readonly db: Database) {}

  /** Current names of these users within the hospitals, for the audit log. */
  namesByIds(ids: string[], hospitalIds: string[] | 'all'): Promise<Array<{ id: string; name: string }>> {
    return namesOfRows(this.db.manager, USER_NAMING, ids, hospitalIds);
  }

  /** Ids of the users within the hospitals whose name contains the text, for the audit log's search. */
  idsNamedLike(text: string, hospitalIds: string[] | 'all', limit: number): Promise<string[]> {
    return idsOfRowsNamedLike(this.db.manager, USER_NAMING, text, hospitalIds, limit);
  }

  getById(id: string): Promise<User | null> {
    return this.db.repo(User).findOneBy({ id });
  }

  /** `username` normalised (usernames.ts), as every stored one is. */
  getByUsername(username: string): Promise<User | null> {
    return this.db.repo(User).findOneBy({ username });
  }

  async hospitalIdsOf(userId: string): Promise<string[]> {
    const rows = await this.db.repo(UserHospital).findBy({ userId });
    return rows.map((r) => r.hospitalId).sort();
  }

  async save(user: User): Promise<User> {
    return this.db.repo(User).save(user);
  }

  async setHospitals(userId: string, hospitalIds: string[]): Promise<void> {
    await this.db.repo(UserHospital).delete({ userId });
    if (hospitalIds.length) {
      await this.db.repo(UserHospital).insert(hospitalIds.map((hospitalId) => ({ userId, hospitalId })));
    }
  }

  async delete(id: string): Promise<void> {
    await this.db.repo(User).delete({ id });
  }

  async markLoggedIn(id: string, at: Date): Promise<void> {
    await this.db.repo(User).update({ id }, { lastLoginAt: at });
  }

  /**
   * Ids of the enabled admins, their rows locked until the transaction ends: two
   * admins demoting each other at once are serialised, and the second sees the first.
   */
  async lockActiveAdminIds(): Promise<string[]> {
    const rows = await this.db
      .repo(User)
      .createQueryBuilder('u')
      .select('u.id', 'id')
      .where('u.role = :role AND u.disabled = :disabled', { role: 'admin', disabled: false })
      .setLock('pessimistic_write')
      .getRawMany<{ id: string }>();
    return rows.map((r) => r.id);
  }

  async search(f: { role?: Role; hospitalId?: string; q?: string; page: number; pageSize: number }): Promise<Page<UserWithHospitals>> {
    const q = this.db.repo(User).createQueryBuilder('u');
    if (f.role) q.andWhere('u.role = :role', { role: f.role });
    if (f.hospitalId) {
      q.andWhere('u.id IN (SELECT uh.user_id FROM user_hospitals uh WHERE uh.hospital_id = :hid)', { hid: f.hospitalId });
    }
    // Usernames are stored normalised and compare byte for byte: the search term is normalised for them.
    if (f.q) {
      q.andWhere('(u.username LIKE :uq OR u.display_name LIKE :q)', {
        uq: `%${escapeLike(normaliseUsername(f.q))}%`,
        q: `%${escapeLike(f.q)}%`,
      });
    }
    const [users, total] = await q
      .orderBy('u.username')
      .skip((f.page - 1) * f.pageSize)
      .take(f.pageSize)
      .getManyAndCount();
    const links = users.length ? await this.db.repo(UserHospital).findBy({ userId: In(users.map((u) => u.id)) }) : [];
    const items = users.map((user) => ({
      user,
      hospitalIds: links.filter((l) => l.userId === user.id).map((l) => l.hospitalId).sort(),
    }));
    return { items, total, page: f.page, pageSize: f.pageSize };
  }
}
