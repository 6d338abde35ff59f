import { Module } from '@nestjs/common';
import { EntityNamesService } from '../audit/entity-names.service';
import { ScheduleChangesModule } from '../common/schedule-changes.module';
import { SitesModule } from '../sites/sites.module';
import { KioskImportsRepository } from './kiosk-imports.repository';
import { KiosksController } from './kiosks.controller';
import { KiosksRepository } from './kiosks.repository';
import { KiosksService } from './kiosks.service';

@Module({
  imports: [SitesModule, ScheduleChangesModule],
  controllers: [KiosksController],
  providers: [KiosksRepository, KiosksService, KioskImportsRepository],
  exports: [KiosksRepository, KiosksService],
})
export class KiosksModule {
  /** The audit log names kiosks through their repository, never their table. */
  constructor(names: EntityNamesService, kiosks: KiosksRepository) {
    names.provide('kiosk', kiosks);
  }
}
