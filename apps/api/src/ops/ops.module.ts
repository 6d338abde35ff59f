import { Module } from '@nestjs/common';
import { ApiMetrics } from './metrics';
import { OpsController } from './ops.controller';

@Module({ controllers: [OpsController], providers: [ApiMetrics], exports: [ApiMetrics] })
export class OpsModule {}
