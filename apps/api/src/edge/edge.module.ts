import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { OriginGuard, OriginPolicy } from './origin.guard';

/** The HTTP edge: where state changes may come from (the WebSocket gateways ask OriginPolicy too). */
@Global()
@Module({
  providers: [OriginPolicy, { provide: APP_GUARD, useClass: OriginGuard }],
  exports: [OriginPolicy],
})
export class EdgeModule {}
