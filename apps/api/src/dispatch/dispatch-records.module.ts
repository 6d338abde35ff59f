import { Module } from '@nestjs/common';
import { DispatchRepository } from './dispatch.repository';

/**
 * The dispatches table alone, for domains that read it without the dispatch
 * machinery: the fleet view asks for kiosks' latest manual commands (their
 * expected state) while dispatch itself reads the fleet's sightings.
 */
@Module({
  providers: [DispatchRepository],
  exports: [DispatchRepository],
})
export class DispatchRecordsModule {}
