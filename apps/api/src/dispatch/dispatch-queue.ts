import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { JobQueue } from '../redis/job-queue';
import { DISPATCH_QUEUE, DispatchJob } from './dispatch-jobs';

/** The dispatch queue: transitions, verifications, re-plans and the repair pass. */
@Injectable()
export class DispatchQueue extends JobQueue<DispatchJob> {
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super(config, DISPATCH_QUEUE, {
      attempts: 5,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: 48 * 3600, count: 100_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  }
}
