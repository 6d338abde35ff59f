import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Roles } from '../common/decorators';
import { parseId, parseInput } from '../common/validation';
import { createUserBody, listUsersQuery, updateUserBody } from './users.dto';
import { UsersService } from './users.service';

/** Accounts are managed by admins; ops may look them up. */
@ApiTags('users')
@Controller('api/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @Roles('admin', 'ops')
  list(@Query() query: unknown) {
    return this.users.list(parseInput(listUsersQuery, query));
  }

  @Get(':id')
  @Roles('admin', 'ops')
  get(@Param('id') id: string) {
    return this.users.get(parseId(id));
  }

  @Post()
  @Roles('admin')
  create(@Body() body: unknown) {
    return this.users.create(parseInput(createUserBody, body));
  }

  @Patch(':id')
  @Roles('admin')
  update(@Param('id') id: string, @Body() body: unknown) {
    return this.users.update(parseId(id), parseInput(updateUserBody, body));
  }

  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  delete(@Param('id') id: string) {
    return this.users.delete(parseId(id));
  }
}
