import { Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { CurrentUser, Roles } from '../common/decorators';
import type { Principal } from '../common/request-context';
import { parseId } from '../common/validation';
import { AgentCredentialsService } from './agent-credentials.service';

/** Console side of agent credentials: enrolment codes, revocation, rotation (ops and admin). */
@ApiTags('agents')
@Controller('api')
export class AgentCredentialsController {
  constructor(private readonly credentials: AgentCredentialsService) {}

  /** `{ code, expiresAt, installCommand }`: the code is shown this once. */
  @Post('sites/:siteId/enrolment-codes')
  @Roles('admin', 'ops')
  createEnrolmentCode(@CurrentUser() p: Principal, @Param('siteId') siteId: string, @Req() req: Request) {
    return this.credentials.createEnrolmentCode(p, parseId(siteId, 'siteId'), `${req.protocol}://${req.get('host')}`);
  }

  /** Re-enrol in place: `{ code, expiresAt, installCommand, agentId }` for this agent; shown once. */
  @Post('agents/:id/enrolment-code')
  @Roles('admin', 'ops')
  createReenrolmentCode(@CurrentUser() p: Principal, @Param('id') id: string, @Req() req: Request) {
    return this.credentials.createReenrolmentCode(p, parseId(id), `${req.protocol}://${req.get('host')}`);
  }

  @Post('agents/:id/revoke')
  @Roles('admin', 'ops')
  @HttpCode(200)
  revoke(@CurrentUser() p: Principal, @Param('id') id: string) {
    return this.credentials.revoke(p, parseId(id));
  }

  /** `{ agentId, token }`: the new token is shown this once. */
  @Post('agents/:id/rotate-token')
  @Roles('admin', 'ops')
  @HttpCode(200)
  rotate(@CurrentUser() p: Principal, @Param('id') id: string) {
    return this.credentials.rotate(p, parseId(id));
  }
}
