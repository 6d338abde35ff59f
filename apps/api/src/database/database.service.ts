import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, EntityTarget, ObjectLiteral, Repository } from 'typeorm';

/**
 * Access to MySQL for repositories. `transaction(fn)` runs fn in one transaction;
 * every repository call made inside it (however deep) uses that transaction, so a
 * service can put a change and its audit entry together without passing managers
 * around.
 */
@Injectable()
export class Database {
  private readonly current = new AsyncLocalStorage<EntityManager>();

  constructor(readonly dataSource: DataSource) {}

  get manager(): EntityManager {
    return this.current.getStore() ?? this.dataSource.manager;
  }

  repo<T extends ObjectLiteral>(entity: EntityTarget<T>): Repository<T> {
    return this.manager.getRepository(entity);
  }

  transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.current.getStore()) return fn();
    return this.dataSource.transaction((em) => this.current.run(em, fn));
  }

  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }
}
