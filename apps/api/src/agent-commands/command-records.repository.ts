import { Injectable } from '@nestjs/common';
import { Database } from '../database/database.service';
import type { AgentCommand, PowerCommand } from './agent-command';

/**
 * An agent's report of its command (PROTOCOL.md "Commands"), once the edge has
 * parsed it: the outbox stores it without depending on the edge's request schemas.
 */
export interface CommandResultInput {
  status: 'done' | 'failed';
  startedAt: Date;
  finishedAt: Date;
  targets: Array<{ kioskId: string; ok: boolean; error: string | null }>;
}

/** What became of one command sent to one agent: cancelled, and the agent's report if any. */
export interface CommandReport {
  commandId: string;
  agentId: string;
  cancelledAt: Date | null;
  result: { status: string; startedAt: Date; finishedAt: Date; receivedAt: Date; targets: { kioskId: string; ok: boolean; error: string | null }[] } | null;
}

export interface IssuedCommand {
  id: string;
  agentId: string;
  type: AgentCommand['type'];
  dueAt: Date | null;
  expiresAt: Date;
  cancels: string | null;
}

/** What was sent to which agent (agent_commands) and what the agents reported (command_results). */
@Injectable()
export class CommandRecordsRepository {
  constructor(private readonly db: Database) {}

  async insertIssued(rows: Array<IssuedCommand & { body: AgentCommand; createdAt: Date }>): Promise<void> {
    if (!rows.length) return;
    await this.db.manager.query(
      `INSERT INTO agent_commands (id, agent_id, type, due_at, expires_at, cancels, body, created_at) VALUES ${rows.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      rows.flatMap((r) => [r.id, r.agentId, r.type, r.dueAt, r.expiresAt, r.cancels, JSON.stringify(r.body), r.createdAt]),
    );
  }

  async getIssued(commandId: string, agentId: string): Promise<(IssuedCommand & { cancelledAt: Date | null }) | null> {
    const rows = await this.db.manager.query(
      `SELECT id, agent_id AS agentId, type, due_at AS dueAt, expires_at AS expiresAt, cancels, cancelled_at AS cancelledAt
         FROM agent_commands WHERE id = ? AND agent_id = ?`,
      [commandId, agentId],
    );
    return rows[0] ?? null;
  }

  async markCancelled(commandId: string, agentId: string, at: Date): Promise<void> {
    await this.db.manager.query(`UPDATE agent_commands SET cancelled_at = ? WHERE id = ? AND agent_id = ?`, [at, commandId, agentId]);
  }

  /** Stores the first report of a result; a resend changes nothing. True for the first. */
  async insertResult(commandId: string, agentId: string, result: CommandResultInput, receivedAt: Date): Promise<boolean> {
    const inserted = await this.db.manager.query(
      `INSERT IGNORE INTO command_results (command_id, agent_id, status, started_at, finished_at, targets, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      [commandId, agentId, result.status, result.startedAt, result.finishedAt, JSON.stringify(result.targets), receivedAt],
    );
    return inserted.affectedRows === 1;
  }

  /** Bodies of the given commands that have no result, are not cancelled and have not expired. */
  async undeliveredBodies(commands: Array<{ agentId: string; commandId: string }>, now: Date): Promise<Array<{ agentId: string; command: PowerCommand }>> {
    if (!commands.length) return [];
    const rows: { agentId: string; body: string | PowerCommand }[] = await this.db.manager.query(
      `SELECT c.agent_id AS agentId, c.body
         FROM agent_commands c
         LEFT JOIN command_results r ON r.command_id = c.id AND r.agent_id = c.agent_id
        WHERE (c.id, c.agent_id) IN (${commands.map(() => '(?, ?)').join(', ')})
          AND r.command_id IS NULL AND c.cancelled_at IS NULL AND c.expires_at > ?`,
      [...commands.flatMap((c) => [c.commandId, c.agentId]), now],
    );
    return rows.map((r) => ({ agentId: r.agentId, command: typeof r.body === 'string' ? JSON.parse(r.body) : r.body }));
  }

  async hasResult(commandId: string, agentId: string): Promise<boolean> {
    const rows = await this.db.manager.query(`SELECT 1 AS x FROM command_results WHERE command_id = ? AND agent_id = ?`, [commandId, agentId]);
    return rows.length > 0;
  }

  async reportsOf(commands: Array<{ agentId: string; commandId: string }>): Promise<CommandReport[]> {
    if (!commands.length) return [];
    const rows: Array<{ id: string; agentId: string; cancelledAt: Date | null; status: string | null; startedAt: Date; finishedAt: Date; receivedAt: Date; targets: unknown }> =
      await this.db.manager.query(
        `SELECT c.id, c.agent_id AS agentId, c.cancelled_at AS cancelledAt, r.status, r.started_at AS startedAt,
                r.finished_at AS finishedAt, r.received_at AS receivedAt, r.targets
           FROM agent_commands c
           LEFT JOIN command_results r ON r.command_id = c.id AND r.agent_id = c.agent_id
          WHERE (c.id, c.agent_id) IN (${commands.map(() => '(?, ?)').join(', ')})`,
        commands.flatMap((c) => [c.commandId, c.agentId]),
      );
    return rows.map((r) => ({
      commandId: r.id,
      agentId: r.agentId,
      cancelledAt: r.cancelledAt,
      result:
        r.status === null
          ? null
          : {
              status: r.status,
              startedAt: r.startedAt,
              finishedAt: r.finishedAt,
              receivedAt: r.receivedAt,
              targets: typeof r.targets === 'string' ? JSON.parse(r.targets) : (r.targets as NonNullable<CommandReport['result']>['targets']),
            },
    }));
  }
}
