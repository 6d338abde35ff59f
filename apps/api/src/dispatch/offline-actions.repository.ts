import { Injectable } from '@nestjs/common';
import { Database } from '../database/database.service';

/** A wake or shutdown an agent performed from its cached plan while it could not reach the API. */
export interface OfflineAction {
  at: Date;
  type: 'wake' | 'shutdown';
  kioskIds: string[];
  executedAt: Date;
}

/** agent_offline_actions: what agents did on their own, as they reported it. */
@Injectable()
export class OfflineActionsRepository {
  constructor(private readonly db: Database) {}

  /** Resending the same actions (same agent, instant and type) stores them once. */
  async insert(agentId: string, actions: OfflineAction[], receivedAt: Date): Promise<void> {
    if (!actions.length) return;
    await this.db.manager.query(
      `INSERT IGNORE INTO agent_offline_actions (agent_id, at, type, kiosk_ids, executed_at, received_at)
       VALUES ${actions.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
      actions.flatMap((a) => [agentId, a.at, a.type, JSON.stringify(a.kioskIds), a.executedAt, receivedAt]),
    );
  }
}
