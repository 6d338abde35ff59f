import { Body, Controller, Get, Header, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentUser, Roles } from '../common/decorators';
import type { Principal } from '../common/request-context';
import { parseId, parseInput, uuid } from '../common/validation';
import { REMOTE_ROUTES } from './remote-route';
import { RemoteService } from './remote.service';

const routeBody = z.object({ route: z.enum(REMOTE_ROUTES) }).strict();
const sessionsQuery = z.object({
  kioskId: uuid.optional(),
  siteId: uuid.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/**
 * Remote screens over HTTP: tickets for the viewer WebSocket (remote.gateway.ts),
 * each site's route to its kiosks' screens, the session log and the websockify
 * token file.
 */
@ApiTags('remote screens')
@Controller('api')
export class RemoteController {
  constructor(private readonly remote: RemoteService) {}

  /** A single-use ticket to open the kiosk's screen at `path` within `expiresAt`. */
  @Post('kiosks/:id/screen-tickets')
  @HttpCode(201)
  issueTicket(@CurrentUser() p: Principal, @Param('id') id: string) {
    return this.remote.issueTicket(p, parseId(id));
  }

  @Get('remote-sessions')
  @Roles('admin', 'ops')
  sessions(@CurrentUser() p: Principal, @Query() query: unknown) {
    return this.remote.listSessions(p, parseInput(sessionsQuery, query)).then((items) => ({ items }));
  }

  @Get('sites/:id/remote-route')
  @Roles('admin', 'ops')
  route(@CurrentUser() p: Principal, @Param('id') id: string) {
    return this.remote.routeOf(p, parseId(id));
  }

  @Put('sites/:id/remote-route')
  @Roles('admin', 'ops')
  setRoute(@CurrentUser() p: Principal, @Param('id') id: string, @Body() body: unknown) {
    return this.remote.setRoute(p, parseId(id), parseInput(routeBody, body).route);
  }

  /** For sites that run websockify themselves: its TokenFile format, `token: host:port`. */
  @Get('sites/:id/websockify-tokens')
  @Roles('admin', 'ops')
  @Header('Content-Type', 'text/plain; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  websockifyTokens(@CurrentUser() p: Principal, @Param('id') id: string) {
    return this.remote.websockifyTokens(p, parseId(id));
  }
}
