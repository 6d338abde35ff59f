import { Module } from '@nestjs/common';
import { SitesModule } from '../sites/sites.module';
import { KiosksController } from './kiosks.controller';
import { KiosksRepository } from './kiosks.repository';
import { KiosksService } from './kiosks.service';

@Module({
  imports: [SitesModule],
  controllers: [KiosksController],
  providers: [KiosksRepository, KiosksService],
  exports: [KiosksRepository, KiosksService],
})
export class KiosksModule {}
