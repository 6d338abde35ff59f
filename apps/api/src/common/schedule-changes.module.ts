import { Module } from '@nestjs/common';
import { ScheduleChanges } from './schedule-changes';

/** The change notices alone, for the domains that make changes (kiosks, sites, rules, undo) and dispatch, which listens. */
@Module({
  providers: [ScheduleChanges],
  exports: [ScheduleChanges],
})
export class ScheduleChangesModule {}
