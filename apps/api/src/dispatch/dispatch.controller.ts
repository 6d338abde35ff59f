import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../common/decorators';
import type { Principal } from '../common/request-context';
import { parseId, parseInput } from '../common/validation';
import { DispatchHistoryService } from './dispatch-history.service';
import { dispatchHistoryQuery } from './power-commands.dto';

/**
 * Every dispatch keeps its record: planned instant, who asked (or the schedule),
 * each agent's command and report, verifications, outcome. `?source=manual|schedule`.
 */
@ApiTags('dispatch')
@Controller('api')
export class DispatchController {
  constructor(private readonly history: DispatchHistoryService) {}

  @Get('kiosks/:id/dispatches')
  ofKiosk(@CurrentUser() p: Principal, @Param('id') id: string, @Query() query: unknown) {
    return this.history.ofKiosk(p, parseId(id), parseInput(dispatchHistoryQuery, query));
  }

  @Get('sites/:id/dispatches')
  ofSite(@CurrentUser() p: Principal, @Param('id') id: string, @Query() query: unknown) {
    return this.history.ofSite(p, parseId(id), parseInput(dispatchHistoryQuery, query));
  }
}
