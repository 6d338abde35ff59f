import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser } from '../common/decorators';
import type { Principal } from '../common/request-context';
import { writeCalendarCsv } from './calendar-csv';
import { CalendarService } from './calendar.service';

@ApiTags('schedule')
@Controller('api/schedule')
export class CalendarController {
  constructor(private readonly calendar: CalendarService) {}

  /**
   * The effective schedule of a site or a hospital for local dates from..to (at most
   * 62), kiosks with the same hours grouped. CSV with `format=csv` or `Accept: text/csv`.
   */
  @Get('calendar')
  async ofRange(
    @CurrentUser() p: Principal,
    @Query() query: unknown,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const input = this.calendar.parseQuery(query);
    const view = await this.calendar.of(p, input);
    const csv = input.format === 'csv' || (input.format === undefined && /^text\/csv\b/i.test(accept ?? ''));
    if (!csv) return view;
    res.type('text/csv; charset=utf-8');
    res.attachment(`schedule-${input.from}-${input.to}.csv`);
    return writeCalendarCsv(view);
  }
}
