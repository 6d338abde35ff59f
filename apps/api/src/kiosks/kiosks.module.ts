import { ScheduleChangesModule } from '../schedule/schedule-changes.module';
import { Module } from '@nestjs/common';
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
export class KiosksModule {}
