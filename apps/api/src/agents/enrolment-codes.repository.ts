import { Injectable } from '@nestjs/common';
import { Database } from '../database/database.service';

export interface EnrolmentCode {
  id: string;
  siteId: string;
  expiresAt: Date;
  usedAt: Date | null;
  /** Set for a re-enrolment code: the agent it re-enrols. */
  forAgentId: string | null;
}

/** Enrolment codes (table enrolment_codes): stored as hashes, single use. */
@Injectable()
export class EnrolmentCodesRepository {
  constructor(private readonly db: Database) {}

  async insert(code: { id: string; siteId: string; codeHash: string; createdBy: string | null; createdAt: Date; expiresAt: Date; forAgentId: string | null }) {
    await this.db.manager.query(
      `INSERT INTO enrolment_codes (id, site_id, code_hash, created_by, created_at, expires_at, for_agent_id) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [code.id, code.siteId, code.codeHash, code.createdBy, code.createdAt, code.expiresAt, code.forAgentId],
    );
  }

  async getByHash(codeHash: string): Promise<EnrolmentCode | null> {
    const rows = await this.db.manager.query(
      `SELECT id, site_id AS siteId, expires_at AS expiresAt, used_at AS usedAt, for_agent_id AS forAgentId FROM enrolment_codes WHERE code_hash = ?`,
      [codeHash],
    );
    return rows[0] ?? null;
  }

  /** Marks the code used; false when another enrolment used it first. */
  async markUsed(id: string, agentId: string, at: Date): Promise<boolean> {
    const result = await this.db.manager.query(
      `UPDATE enrolment_codes SET used_at = ?, agent_id = ? WHERE id = ? AND used_at IS NULL`,
      [at, agentId, id],
    );
    return affectedRows(result) === 1;
  }
}

/** mysql2 answers writes with a ResultSetHeader; TypeORM passes it through as is. */
export function affectedRows(result: unknown): number {
  const r = result as { affectedRows?: number } | [unknown, number];
  if (Array.isArray(r)) return Number(r[1]) || 0;
  return r?.affectedRows ?? 0;
}
