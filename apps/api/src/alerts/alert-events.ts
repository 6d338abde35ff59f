import { Injectable, Logger } from '@nestjs/common';
import type { Alert } from './alert.entity';

export type AlertEvent = { type: 'opened' | 'resolved'; alert: Alert };
export type AlertListener = (event: AlertEvent) => Promise<void>;

/**
 * Who else hears of an alert opening or resolving (notifications), without the
 * alerts domain depending on them. A listener's failure is logged, never raised:
 * an alert is recorded whether or not anyone could be told.
 */
@Injectable()
export class AlertEvents {
  private readonly listeners: AlertListener[] = [];
  private readonly logger = new Logger('alerts');

  subscribe(listener: AlertListener): void {
    this.listeners.push(listener);
  }

  async emit(event: AlertEvent): Promise<void> {
    for (const listener of this.listeners) {
      await listener(event).catch((err: Error) =>
        this.logger.warn(`alert ${event.alert.id} ${event.type}: a listener failed: ${err.message}`),
      );
    }
  }
}
