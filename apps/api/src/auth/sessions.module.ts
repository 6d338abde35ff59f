import { Module } from '@nestjs/common';
import { SessionConnections } from './session-connections';
import { SessionsService } from './sessions.service';

/**
 * Console sessions in Redis and what is open with them in this process; a module of
 * its own so that users (whose changes end sessions) and auth (which opens them)
 * both use it without importing each other.
 */
@Module({
  providers: [SessionsService, SessionConnections],
  exports: [SessionsService, SessionConnections],
})
export class SessionsModule {}
