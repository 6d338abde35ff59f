import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { JobQueue } from '../redis/job-queue';

export const ALERTS_QUEUE = 'alerts';
export type AlertsJob = { kind: 'check-agents' };

/** The alerts' periodic checks (agents offline, sites whose agents returned). */
@Injectable()
export class AlertsQueue extends JobQueue<AlertsJob> {
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super(config, ALERTS_QUEUE, { removeOnComplete: 100, removeOnFail: 100 });
  }
}
