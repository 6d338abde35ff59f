import { Controller, Get, Param, Query } from '@nestjs/common';
import { z } from 'zod';
import { ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../common/decorators';
import type { Principal } from '../common/request-context';
import { parseId, parseInput } from '../common/validation';
import { KioskLivenessService } from './kiosk-liveness.service';

@ApiTags('kiosks')
@Controller('api')
export class KioskLivenessController {
  constructor(private readonly liveness: KioskLivenessService) {}

  /** `{ up: boolean | null, observedAt, agents: [...] }` as seen by the agents of the kiosk's site. */
  @Get('kiosks/:id/liveness')
  get(@CurrentUser() p: Principal, @Param('id') id: string) {
    return this.liveness.get(p, parseId(id));
  }

  /** Every change of the kiosk's observed state, newest first. */
  @Get('kiosks/:id/liveness-history')
  history(@CurrentUser() p: Principal, @Param('id') id: string, @Query() query: unknown) {
    const { limit } = parseInput(z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }), query);
    return this.liveness.history(p, parseId(id), limit);
  }
}
