import { Body, Controller, Get, Param, Put, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../common/decorators';
import type { Principal } from '../common/request-context';
import { parseId, parseInput } from '../common/validation';
import { EnvironmentService } from './environment.service';
import { correlationQuery, environmentQuery, thresholdsBody } from './telemetry.dto';
import { ThresholdsService } from './thresholds.service';

@ApiTags('environment')
@Controller('api/sites/:id')
export class TelemetryController {
  constructor(
    private readonly environment: EnvironmentService,
    private readonly thresholds: ThresholdsService,
  ) {}

  @Get('environment')
  chart(@CurrentUser() p: Principal, @Param('id') id: string, @Query() query: unknown) {
    return this.environment.chart(p, parseId(id), parseInput(environmentQuery, query));
  }

  @Get('environment/correlation')
  correlation(@CurrentUser() p: Principal, @Param('id') id: string, @Query() query: unknown) {
    return this.environment.correlation(p, parseId(id), parseInput(correlationQuery, query));
  }

  @Get('thresholds')
  getThresholds(@CurrentUser() p: Principal, @Param('id') id: string) {
    return this.thresholds.get(p, parseId(id));
  }

  @Put('thresholds')
  @Roles('admin', 'ops')
  putThresholds(@CurrentUser() p: Principal, @Param('id') id: string, @Body() body: unknown) {
    return this.thresholds.update(p, parseId(id), parseInput(thresholdsBody, body));
  }
}
