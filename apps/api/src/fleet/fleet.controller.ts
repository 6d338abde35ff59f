import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentUser } from '../common/decorators';
import type { Principal } from '../common/request-context';
import { parseInput, uuid } from '../common/validation';
import { FleetOverviewService } from './fleet-overview.service';
import { FleetService } from './fleet.service';

@ApiTags('fleet')
@Controller('api')
export class FleetController {
  constructor(
    private readonly fleet: FleetService,
    private readonly overview: FleetOverviewService,
  ) {}

  @Get('fleet')
  ofSite(@CurrentUser() p: Principal, @Query() query: unknown) {
    const { siteId } = parseInput(z.object({ siteId: uuid }), query);
    return this.fleet.ofSite(p, siteId);
  }

  /** Every site the user may see, by hospital, with kiosk, agent, alert and temperature figures. */
  @Get('fleet/overview')
  ofUser(@CurrentUser() p: Principal) {
    return this.overview.ofUser(p);
  }
}
