import { Injectable } from '@nestjs/common';
import { OfflineAction, OfflineActionsRepository } from './offline-actions.repository';

/**
 * Wakes and shutdowns agents did from their offline plan (PROTOCOL.md "Plan"),
 * reported once they reach the API again.
 */
@Injectable()
export class OfflineActionsService {
  constructor(private readonly actions: OfflineActionsRepository) {}

  /** The caller has checked that every kiosk named is of the agent's site. */
  async record(agent: { id: string; siteId: string }, actions: OfflineAction[]): Promise<void> {
    await this.actions.insert(agent.id, actions, new Date());
  }
}
