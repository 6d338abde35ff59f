import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';

/**
 * A Redis that goes away is one outage, not a stream of stack traces: without an
 * `error` listener ioredis prints "Unhandled error event" and BullMQ prints each
 * error with console.error, on every reconnection attempt (hundreds in 30 s). Each
 * client logs one warning when it loses Redis and one line when it has it back.
 */
export function logRedisOutages(redis: Redis, name: string, logger = new Logger('redis')): Redis {
  let down = false;
  redis.on('error', (err: Error) => {
    if (down) return;
    down = true;
    logger.warn(`${name}: Redis unreachable (${err.message}); retrying`);
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    logger.log(`${name}: Redis reachable again`);
  });
  return redis;
}

const CONNECTION_ERRORS = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|Connection is closed|connect ETIMEDOUT/;

/**
 * For BullMQ queues and workers: losing the connection is already logged by their
 * connection (`logRedisOutages`); anything else is worth a warning.
 */
export function bullErrorListener(logger: Logger): (err: Error) => void {
  return (err) => {
    if (CONNECTION_ERRORS.test(err.message)) logger.debug?.(`Redis: ${err.message}`);
    else logger.warn(`BullMQ: ${err.message}`);
  };
}
