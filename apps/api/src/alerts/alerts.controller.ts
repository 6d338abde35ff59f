import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentUser, Roles } from '../common/decorators';
import type { Principal } from '../common/request-context';
import { pageQuery, parseInput, uuid } from '../common/validation';
import { ALERT_KINDS } from './alert.entity';
import { AlertsService } from './alerts.service';

/** The most alerts one bulk acknowledgement takes (one console page). */
export const MAX_BULK_ACKNOWLEDGE = 200;

const alertId = z.string().regex(/^[1-9]\d{0,17}$/, 'must be an alert id');

const listAlertsQuery = pageQuery.extend({
  hospitalId: uuid.optional(),
  siteId: uuid.optional(),
  status: z.enum(['open', 'acknowledged', 'resolved']).optional(),
  kind: z.enum(ALERT_KINDS).optional(),
});

const acknowledgeBody = z
  .object({
    ids: z
      .array(alertId)
      .min(1, 'name at least one alert')
      .max(MAX_BULK_ACKNOWLEDGE, `at most ${MAX_BULK_ACKNOWLEDGE} alerts at once`)
      .transform((ids) => [...new Set(ids)]),
  })
  .strict();

@ApiTags('alerts')
@Controller('api/alerts')
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  @Get()
  list(@CurrentUser() p: Principal, @Query() query: unknown) {
    return this.alerts.list(p, parseInput(listAlertsQuery, query));
  }

  /** Bulk: `{ ids }` -> `{ acknowledged: Alert[], skipped: [{ id, status }] }`; an id not visible fails all (404). */
  @Post('acknowledge')
  @Roles('admin', 'ops')
  @HttpCode(200)
  acknowledgeMany(@CurrentUser() p: Principal, @Body() body: unknown) {
    return this.alerts.acknowledgeMany(p, parseInput(acknowledgeBody, body).ids);
  }

  @Post(':id/acknowledge')
  @Roles('admin', 'ops')
  @HttpCode(200)
  acknowledge(@CurrentUser() p: Principal, @Param('id') id: string) {
    return this.alerts.acknowledge(p, parseInput(alertId, id, 'INVALID_ID'));
  }
}
