import { BeforeInsert, BeforeUpdate, Column } from 'typeorm';

/** createdAt/updatedAt set by the application in UTC, not by the database's clock or zone. */
export abstract class Timestamped {
  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt!: Date;

  @BeforeInsert()
  protected stampInsert(): void {
    const now = new Date();
    this.createdAt ??= now;
    this.updatedAt = this.createdAt ?? now;
  }

  @BeforeUpdate()
  protected stampUpdate(): void {
    this.updatedAt = new Date();
  }
}
