import { Global, Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { LiveEventsService } from './live-events.service';
import { LiveGateway } from './live.gateway';

/** Global so that any domain can publish; the gateway runs only where HTTP does. */
@Global()
@Module({ imports: [AuthModule], providers: [LiveEventsService, LiveGateway], exports: [LiveEventsService] })
export class LiveModule {}
