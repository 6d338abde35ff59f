import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../common/decorators';
import type { Principal } from '../common/request-context';
import { parseId, parseInput } from '../common/validation';
import { createSiteBody, listSitesQuery, updateSiteBody } from './sites.dto';
import { SitesService } from './sites.service';

@ApiTags('sites')
@Controller('api/sites')
export class SitesController {
  constructor(private readonly sites: SitesService) {}

  @Get()
  list(@CurrentUser() p: Principal, @Query() query: unknown) {
    return this.sites.list(p, parseInput(listSitesQuery, query));
  }

  @Get(':id')
  get(@CurrentUser() p: Principal, @Param('id') id: string) {
    return this.sites.get(p, parseId(id));
  }

  @Post()
  @Roles('admin', 'ops')
  create(@CurrentUser() p: Principal, @Body() body: unknown) {
    return this.sites.create(p, parseInput(createSiteBody, body));
  }

  @Patch(':id')
  @Roles('admin', 'ops')
  update(@CurrentUser() p: Principal, @Param('id') id: string, @Body() body: unknown) {
    return this.sites.update(p, parseId(id), parseInput(updateSiteBody, body));
  }

  @Delete(':id')
  @Roles('admin', 'ops')
  @HttpCode(204)
  delete(@CurrentUser() p: Principal, @Param('id') id: string) {
    return this.sites.delete(p, parseId(id));
  }
}
