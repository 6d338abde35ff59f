import { Body, Controller, Delete, Get, Header, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { CurrentUser, Roles } from '../common/decorators';
import { badRequest } from '../common/errors';
import type { Principal } from '../common/request-context';
import { parseId, parseInput } from '../common/validation';
import { createKioskBody, listKiosksQuery, searchKiosksQuery, updateKioskBody } from './kiosks.dto';
import { KiosksService } from './kiosks.service';

@ApiTags('kiosks')
@Controller('api')
export class KiosksController {
  constructor(private readonly kiosks: KiosksService) {}

  @Get('kiosks')
  list(@CurrentUser() p: Principal, @Query() query: unknown) {
    return this.kiosks.list(p, parseInput(listKiosksQuery, query));
  }

  /** Before kiosks/:id, which would take "search" for an id. */
  @Get('kiosks/search')
  searchAcrossSites(@CurrentUser() p: Principal, @Query() query: unknown) {
    return this.kiosks.searchAcrossSites(p, parseInput(searchKiosksQuery, query));
  }

  @Get('kiosks/:id')
  get(@CurrentUser() p: Principal, @Param('id') id: string) {
    return this.kiosks.get(p, parseId(id));
  }

  @Post('kiosks')
  @Roles('admin', 'ops', 'staff')
  create(@CurrentUser() p: Principal, @Body() body: unknown) {
    return this.kiosks.create(p, parseInput(createKioskBody, body));
  }

  @Patch('kiosks/:id')
  @Roles('admin', 'ops', 'staff')
  update(@CurrentUser() p: Principal, @Param('id') id: string, @Body() body: unknown) {
    return this.kiosks.update(p, parseId(id), parseInput(updateKioskBody, body));
  }

  @Delete('kiosks/:id')
  @Roles('admin', 'ops', 'staff')
  @HttpCode(204)
  delete(@CurrentUser() p: Principal, @Param('id') id: string) {
    return this.kiosks.delete(p, parseId(id));
  }

  /** Body: the CSV itself (Content-Type: text/csv), columns code,name,kind,location,ip,mac,subnet,vncPort,notes (ops and admins). */
  @Post('sites/:siteId/kiosks/import')
  @Roles('admin', 'ops', 'staff')
  importCsv(@CurrentUser() p: Principal, @Param('siteId') siteId: string, @Req() req: Request) {
    if (typeof req.body !== 'string') {
      throw badRequest('IMPORT_NOT_CSV', 'send the file as the request body with Content-Type: text/csv');
    }
    return this.kiosks.importCsv(p, parseId(siteId, 'siteId'), req.body);
  }

  @Get('sites/:siteId/kiosks.csv')
  @Header('Content-Type', 'text/csv; charset=utf-8')
  exportCsv(@CurrentUser() p: Principal, @Param('siteId') siteId: string) {
    return this.kiosks.exportCsv(p, parseId(siteId, 'siteId'));
  }
}
