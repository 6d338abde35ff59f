import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../common/decorators';
import type { Principal } from '../common/request-context';
import { parseId, parseInput } from '../common/validation';
import { createRuleBody, listRulesQuery, updateRuleBody } from './rules.dto';
import { RulesService } from './rules.service';

@ApiTags('rules')
@Controller('api/rules')
export class RulesController {
  constructor(private readonly rules: RulesService) {}

  @Get()
  list(@CurrentUser() p: Principal, @Query() query: unknown) {
    return this.rules.list(p, parseInput(listRulesQuery, query));
  }

  @Get(':id')
  get(@CurrentUser() p: Principal, @Param('id') id: string) {
    return this.rules.get(p, parseId(id));
  }

  @Post()
  @Roles('admin', 'ops', 'staff')
  create(@CurrentUser() p: Principal, @Body() body: unknown) {
    return this.rules.create(p, parseInput(createRuleBody, body));
  }

  @Patch(':id')
  @Roles('admin', 'ops', 'staff')
  update(@CurrentUser() p: Principal, @Param('id') id: string, @Body() body: unknown) {
    return this.rules.update(p, parseId(id), parseInput(updateRuleBody, body));
  }

  @Delete(':id')
  @Roles('admin', 'ops', 'staff')
  @HttpCode(204)
  delete(@CurrentUser() p: Principal, @Param('id') id: string) {
    return this.rules.delete(p, parseId(id));
  }
}
