import { Controller, Get, Param } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../common/decorators';
import type { Principal } from '../common/request-context';
import { parseId } from '../common/validation';
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
}
