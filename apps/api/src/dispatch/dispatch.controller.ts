import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../auth/decorators';
import type { Principal } from '../common/request-context';
import { pageQuery, parseId, parseInput } from '../common/validation';
import { KiosksService } from '../kiosks/kiosks.service';
import { SitesService } from '../sites/sites.service';
import { DispatchRepository } from './dispatch.repository';

/** Every dispatch keeps its record: planned instant, commands, verifications, outcome. */
@ApiTags('dispatch')
@Controller('api')
export class DispatchController {
  constructor(
    private readonly dispatches: DispatchRepository,
    private readonly kiosks: KiosksService,
    private readonly sites: SitesService,
  ) {}

  @Get('kiosks/:id/dispatches')
  async ofKiosk(@CurrentUser() p: Principal, @Param('id') id: string, @Query() query: unknown) {
    const kiosk = await this.kiosks.get(p, parseId(id));
    return this.dispatches.search({ kioskId: kiosk.id, ...parseInput(pageQuery, query) });
  }

  @Get('sites/:id/dispatches')
  async ofSite(@CurrentUser() p: Principal, @Param('id') id: string, @Query() query: unknown) {
    const site = await this.sites.get(p, parseId(id));
    return this.dispatches.search({ siteId: site.id, ...parseInput(pageQuery, query) });
  }
}
