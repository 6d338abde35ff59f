import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../common/decorators';
import type { Principal } from '../common/request-context';
import { parseId, parseInput } from '../common/validation';
import { powerCommandBody, siteCommandBody } from './power-commands.dto';
import { PowerCommandsService } from './power-commands.service';
import { SiteCommandsService } from './site-commands.service';

/** Wake now / shut down now: staff for their hospital's kiosks, ops and admin for any; never viewers. */
@ApiTags('dispatch')
@Controller('api')
export class PowerCommandsController {
  constructor(
    private readonly power: PowerCommandsService,
    private readonly siteCommands: SiteCommandsService,
  ) {}

  /**
   * `{ action, kioskIds | siteId, confirm? }` -> 201 with what was sent to which agents.
   * A shutdown without `confirm: true` is 409 CONFIRMATION_REQUIRED with the counts.
   */
  @Post('power-commands')
  @Roles('admin', 'ops', 'staff')
  request(@CurrentUser() p: Principal, @Body() body: unknown) {
    return this.power.request(p, parseInput(powerCommandBody, body));
  }

  /** The same body; nothing is sent or stored: per kiosk its expected state and the agents that reach it. */
  @Post('power-commands/preview')
  @Roles('admin', 'ops', 'staff')
  @HttpCode(200)
  preview(@CurrentUser() p: Principal, @Body() body: unknown) {
    return this.power.preview(p, parseInput(powerCommandBody, body));
  }

  /**
   * The older console route, kept for API users: wake and shutdown go the act-now
   * way (recorded, verified, sent to online agents; no dueAt), `probe` as before.
   */
  @Post('sites/:siteId/commands')
  @Roles('admin', 'ops')
  siteCommand(@CurrentUser() p: Principal, @Param('siteId') siteId: string, @Body() body: unknown) {
    const id = parseId(siteId, 'siteId');
    const input = parseInput(siteCommandBody, body);
    if (input.type === 'probe') return this.siteCommands.send(p, id, input);
    return this.power.siteCommand(p, id, { ...input, type: input.type });
  }
}
