import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../common/decorators';
import type { Principal } from '../common/request-context';
import { parseId, parseInput } from '../common/validation';
import { createHospitalBody, listHospitalsQuery, updateHospitalBody } from './hospitals.dto';
import { HospitalsService } from './hospitals.service';

@ApiTags('hospitals')
@Controller('api/hospitals')
export class HospitalsController {
  constructor(private readonly hospitals: HospitalsService) {}

  @Get()
  list(@CurrentUser() p: Principal, @Query() query: unknown) {
    return this.hospitals.list(p, parseInput(listHospitalsQuery, query));
  }

  @Get(':id')
  get(@CurrentUser() p: Principal, @Param('id') id: string) {
    return this.hospitals.get(p, parseId(id));
  }

  @Post()
  @Roles('admin', 'ops')
  create(@Body() body: unknown) {
    return this.hospitals.create(parseInput(createHospitalBody, body));
  }

  @Patch(':id')
  @Roles('admin', 'ops')
  update(@CurrentUser() p: Principal, @Param('id') id: string, @Body() body: unknown) {
    return this.hospitals.update(p, parseId(id), parseInput(updateHospitalBody, body));
  }

  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  delete(@CurrentUser() p: Principal, @Param('id') id: string) {
    return this.hospitals.delete(p, parseId(id));
  }
}
