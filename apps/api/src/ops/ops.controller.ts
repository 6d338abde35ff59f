import { Controller, Get, Header, HttpCode, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import type Redis from 'ioredis';
import { Public } from '../auth/decorators';
import { Database } from '../database/database.service';
import { REDIS } from '../redis/redis.module';
import { ApiMetrics } from './metrics';

/** Health and metrics. No side effects: they only read. */
@ApiExcludeController()
@Public()
@Controller()
export class OpsController {
  constructor(
    private readonly db: Database,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly metrics: ApiMetrics,
  ) {}

  /** The process is alive. */
  @Get('healthz')
  @HttpCode(200)
  healthz() {
    return { status: 'ok' };
  }

  /** MySQL and Redis answer; 503 with the failing dependency otherwise. */
  @Get('readyz')
  async readyz(@Res({ passthrough: true }) res: Response) {
    const check = async (fn: () => Promise<unknown>) => {
      try {
        await withTimeout(fn(), 2000);
        return 'ok';
      } catch (err) {
        return `failed: ${(err as Error).message}`;
      }
    };
    const [mysql, redis] = await Promise.all([check(() => this.db.ping()), check(() => this.redis.ping())]);
    const ready = mysql === 'ok' && redis === 'ok';
    res.status(ready ? 200 : 503);
    return { status: ready ? 'ready' : 'not ready', checks: { mysql, redis } };
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  metricsText() {
    return this.metrics.registry.metrics();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms).unref())]);
}
