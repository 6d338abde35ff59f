import { Controller, Get, Header, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser } from '../common/decorators';
import type { Principal } from '../common/request-context';
import { parseInput } from '../common/validation';
import { auditQuery, exportQuery } from './audit.dto';
import { AuditLogService } from './audit-log.service';

/** Staff and viewers see the entries of their hospitals; admin and ops see everything. */
@ApiTags('audit')
@Controller('api')
export class AuditController {
  constructor(private readonly auditLog: AuditLogService) {}

  @Get('audit')
  list(@CurrentUser() p: Principal, @Query() query: unknown) {
    return this.auditLog.list(p, parseInput(auditQuery, query));
  }

  /** The same filters as the list, every matching entry up to AUDIT_CSV_MAX_ROWS, streamed; `timeZone` for the local time column; one at a time per user. */
  @Get('audit.csv')
  @Header('Content-Type', 'text/csv; charset=utf-8')
  @Header('Content-Disposition', 'attachment; filename="audit.csv"')
  async exportCsv(@CurrentUser() p: Principal, @Query() query: unknown, @Res({ passthrough: true }) res: Response) {
    const filters = parseInput(auditQuery, query);
    const zone = parseInput(exportQuery, query).timeZone;
    const { total, exported, csv } = await this.auditLog.export(p, filters, zone);
    res.setHeader('X-Total-Count', String(total));
    res.setHeader('X-Exported-Count', String(exported));
    return new StreamableFile(csv);
  }
}
