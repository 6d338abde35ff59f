import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentUser, Roles } from '../auth/decorators';
import type { Principal } from '../common/request-context';
import { pageQuery, parseInput, uuid } from '../common/validation';
import { AlertsService } from './alerts.service';

const listAlertsQuery = pageQuery.extend({
  hospitalId: uuid.optional(),
  siteId: uuid.optional(),
  status: z.enum(['open', 'acknowledged', 'resolved']).optional(),
});

@ApiTags('alerts')
@Controller('api/alerts')
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  @Get()
  list(@CurrentUser() p: Principal, @Query() query: unknown) {
    return this.alerts.list(p, parseInput(listAlertsQuery, query));
  }

  @Post(':id/acknowledge')
  @Roles('admin', 'ops')
  @HttpCode(200)
  acknowledge(@CurrentUser() p: Principal, @Param('id') id: string) {
    return this.alerts.acknowledge(p, parseInput(z.string().regex(/^\d{1,18}$/, 'must be an alert id'), id, 'INVALID_ID'));
  }
}
