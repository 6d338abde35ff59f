import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentUser } from '../auth/decorators';
import type { Principal } from '../common/request-context';
import { parseInput, uuid } from '../common/validation';
import { FleetService } from './fleet.service';

@ApiTags('fleet')
@Controller('api/fleet')
export class FleetController {
  constructor(private readonly fleet: FleetService) {}

  @Get()
  ofSite(@CurrentUser() p: Principal, @Query() query: unknown) {
    const { siteId } = parseInput(z.object({ siteId: uuid }), query);
    return this.fleet.ofSite(p, siteId);
  }
}
