import { Body, Controller, Param, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../auth/decorators';
import type { Principal } from '../common/request-context';
import { parseId, parseInput } from '../common/validation';
import { siteCommandBody } from './agent-protocol.dto';
import { SiteCommandsService } from './site-commands.service';

@ApiTags('agents')
@Controller('api')
export class SiteCommandsController {
  constructor(private readonly commands: SiteCommandsService) {}

  /** `{ type, kioskIds, dueAt?, expiresAt? }` -> 201 `{ commands: [{ id, agentId, kioskIds, ... }], uncovered }`. */
  @Post('sites/:siteId/commands')
  @Roles('admin', 'ops')
  send(@CurrentUser() p: Principal, @Param('siteId') siteId: string, @Body() body: unknown) {
    return this.commands.send(p, parseId(siteId, 'siteId'), parseInput(siteCommandBody, body));
  }
}
