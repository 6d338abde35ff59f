import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentUser, Roles } from '../common/decorators';
import type { Principal } from '../common/request-context';
import { parseId, parseInput } from '../common/validation';
import { ScheduleService } from './schedule.service';

const scheduleQuery = z.object({
  days: z.coerce.number().int().min(1).max(31).default(7),
  from: z.iso.datetime({ offset: true }).transform((s) => new Date(s)).optional(),
});

@ApiTags('schedule')
@Controller('api')
export class ScheduleController {
  constructor(private readonly schedule: ScheduleService) {}

  /** The kiosk's effective schedule for the next `days` local dates of its site. */
  @Get('kiosks/:id/schedule')
  ofKiosk(@CurrentUser() p: Principal, @Param('id') id: string, @Query() query: unknown) {
    const { days, from } = parseInput(scheduleQuery, query);
    return this.schedule.ofKiosk(p, parseId(id), days, from);
  }

  /** What a rule being edited would do to the chosen kiosks; stores nothing. */
  @Post('rules/preview')
  @Roles('admin', 'ops', 'staff')
  @HttpCode(200)
  preview(@CurrentUser() p: Principal, @Body() body: unknown) {
    return this.schedule.preview(p, body);
  }
}
