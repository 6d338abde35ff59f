import { Module } from '@nestjs/common';
import type Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { REDIS } from '../redis/redis.module';
import { resolveSessionKey, SESSION_KEY, SessionSecretKeeper } from './session-secret';
import { SessionConnections } from './session-connections';
import { SessionsService } from './sessions.service';

/**
 * Console sessions in Redis and what is open with them in this process; a module of
 * its own so that users (whose changes end sessions) and auth (which opens them)
 * both use it without importing each other.
 */
@Module({
  providers: [
    SessionsService,
    SessionConnections,
    SessionSecretKeeper,
    { provide: SESSION_KEY, inject: [REDIS, APP_CONFIG], useFactory: (redis: Redis, config: AppConfig) => resolveSessionKey(redis, config) },
  ],
  exports: [SessionsService, SessionConnections],
})
export class SessionsModule {}
