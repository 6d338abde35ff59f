import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../common/decorators';
import type { Principal } from '../common/request-context';
import { parseId, parseInput } from '../common/validation';
import { createChannelBody, updateChannelBody } from './notification-channels.dto';
import { NotificationChannelsService } from './notification-channels.service';

/** Ops and admins only, reading included: targets carry robots' keys and people's addresses. */
@ApiTags('notifications')
@Controller('api/notification-channels')
@Roles('admin', 'ops')
export class NotificationChannelsController {
  constructor(private readonly channels: NotificationChannelsService) {}

  @Get()
  list(@CurrentUser() p: Principal) {
    return this.channels.list(p);
  }

  @Get(':id')
  get(@CurrentUser() p: Principal, @Param('id') id: string) {
    return this.channels.get(p, parseId(id));
  }

  @Get(':id/deliveries')
  deliveries(@CurrentUser() p: Principal, @Param('id') id: string) {
    return this.channels.recentDeliveries(p, parseId(id));
  }

  @Post()
  create(@CurrentUser() p: Principal, @Body() body: unknown) {
    return this.channels.create(p, parseInput(createChannelBody, body));
  }

  @Patch(':id')
  update(@CurrentUser() p: Principal, @Param('id') id: string, @Body() body: unknown) {
    return this.channels.update(p, parseId(id), parseInput(updateChannelBody, body));
  }

  @Delete(':id')
  @HttpCode(204)
  delete(@CurrentUser() p: Principal, @Param('id') id: string) {
    return this.channels.delete(p, parseId(id));
  }

  @Post(':id/test')
  @HttpCode(200)
  test(@CurrentUser() p: Principal, @Param('id') id: string) {
    return this.channels.test(p, parseId(id));
  }
}
