import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A reading is stored once per (agent, seq), whatever `at` a resend carries. The
 * primary key must hold the partitioning column (agent_id, at, seq), so it cannot
 * say that alone: the API looks a batch's seqs up by this index first.
 */
export class ReadingsSeqIndex1764630000000 implements MigrationInterface {
  name = 'ReadingsSeqIndex1764630000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE readings ADD KEY ix_readings_agent_seq (agent_id, seq)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE readings DROP KEY ix_readings_agent_seq');
  }
}
