import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager, EntityTarget, ObjectLiteral, Repository } from 'typeorm';

/**
 * Access to MySQL for repositories. `transaction(fn)` runs fn in one transaction;
 * every repository call made inside it (however deep) uses that transaction, so a
 * service can put a change and its audit entry together without passing managers
 * around.
 *
 * Everything runs on the primary unless a repository method says otherwise with
 * `onReadReplica(fn)`: only reads that tolerate replication lag (lists, the audit
 * log, environment charts) may do so.
 */
@Injectable()
export class Database {
  private readonly current = new AsyncLocalStorage<EntityManager>();
  /** What waits for the current transaction to commit (see afterCommit). */
  private readonly committed = new AsyncLocalStorage<Array<() => Promise<void>>>();
  private readonly replicaReads = new AsyncLocalStorage<EntityManager>();
  private readonly logger = new Logger('database');
  /** When a replica last refused a connection (logged once a minute, not per request). */
  private replicaDownLoggedAt = 0;

  constructor(readonly dataSource: DataSource) {}

  get manager(): EntityManager {
    return this.current.getStore() ?? this.replicaReads.getStore() ?? this.dataSource.manager;
  }

  repo<T extends ObjectLiteral>(entity: EntityTarget<T>): Repository<T> {
    return this.manager.getRepository(entity);
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.current.getStore()) return fn();
    const afterwards: Array<() => Promise<void>> = [];
    const result = await this.dataSource.transaction((em) => this.committed.run(afterwards, () => this.current.run(em, fn)));
    for (const step of afterwards) await step();
    return result;
  }

  /**
   * Runs `step` once the transaction it is called in has committed, before that
   * transaction's caller resumes (at once outside a transaction); never if it rolls back.
   * For what must see the change from elsewhere, such as a re-plan in the worker: a
   * service's write can then run inside another service's transaction.
   */
  async afterCommit(step: () => Promise<void>): Promise<void> {
    const afterwards = this.committed.getStore();
    if (afterwards && this.current.getStore()) afterwards.push(step);
    else await step();
  }

  /** Whether DB_READ_HOSTS names read replicas (TypeORM's `replication` setting). */
  get hasReadReplicas(): boolean {
    return 'replication' in this.dataSource.options && Boolean(this.dataSource.options.replication);
  }

  /**
   * Runs `fn` with its queries on one connection to a read replica (DB_READ_HOSTS), or
   * on the primary where there is none. Only for reads that tolerate lag: a replica
   * may be seconds behind, so nothing read here may decide a write. Inside a
   * transaction it stays in the transaction (its own writes must be visible). When no
   * replica accepts a connection the primary answers: a list is better late than absent.
   */
  async onReadReplica<T>(fn: () => Promise<T>): Promise<T> {
    if (this.current.getStore() || !this.hasReadReplicas) return fn();
    const runner = this.dataSource.createQueryRunner('slave');
    try {
      await runner.connect();
    } catch (error) {
      await runner.release();
      if (Date.now() - this.replicaDownLoggedAt > 60_000) {
        this.replicaDownLoggedAt = Date.now();
        this.logger.warn(`no read replica (DB_READ_HOSTS) accepts a connection, the primary serves their reads: ${(error as Error).message}`);
      }
      return fn();
    }
    try {
      return await this.replicaReads.run(runner.manager, fn);
    } finally {
      await runner.release();
    }
  }

  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }
}
