import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentUser } from '../common/decorators';
import type { Principal } from '../common/request-context';
import { parseId, parseInput, uuid } from '../common/validation';
import { FleetOverviewService } from './fleet-overview.service';
import { FleetService } from './fleet.service';

@ApiTags('fleet')
@Controller('api')
export class FleetController {
  constructor(
    private readonly fleet: FleetService,
    private readonly overview: FleetOverviewService,
  ) {}

  /** Every change of the kiosk's observed state, newest first. */
  @Get('kiosks/:id/liveness-history')
  history(@CurrentUser() p: Principal, @Param('id') id: string, @Query() query: unknown) {
    const { limit } = parseInput(z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }), query);
    return this.fleet.historyOfKiosk(p, parseId(id), limit);
  }

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
