import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../common/decorators';
import type { Principal } from '../common/request-context';
import { parseId, parseInput } from '../common/validation';
import { createAgentBody, listAgentsQuery, updateAgentBody } from './agents.dto';
import { AgentsService } from './agents.service';

@ApiTags('agents')
@Controller('api/agents')
export class AgentsController {
  constructor(private readonly agents: AgentsService) {}

  @Get()
  list(@CurrentUser() p: Principal, @Query() query: unknown) {
    return this.agents.list(p, parseInput(listAgentsQuery, query));
  }

  @Get(':id')
  get(@CurrentUser() p: Principal, @Param('id') id: string) {
    return this.agents.get(p, parseId(id));
  }

  @Post()
  @Roles('admin', 'ops')
  create(@CurrentUser() p: Principal, @Body() body: unknown) {
    return this.agents.create(p, parseInput(createAgentBody, body));
  }

  @Patch(':id')
  @Roles('admin', 'ops')
  update(@CurrentUser() p: Principal, @Param('id') id: string, @Body() body: unknown) {
    return this.agents.update(p, parseId(id), parseInput(updateAgentBody, body));
  }

  @Delete(':id')
  @Roles('admin', 'ops')
  @HttpCode(204)
  delete(@CurrentUser() p: Principal, @Param('id') id: string) {
    return this.agents.delete(p, parseId(id));
  }
}
