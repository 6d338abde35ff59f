import { createHash, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Header, HttpCode, Inject, Logger, NotFoundException, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type Redis from 'ioredis';
import { Public } from '../common/decorators';
import { unauthorized } from '../common/errors';
import { APP_CONFIG, AppConfig } from '../config/config';
import { Database } from '../database/database.service';
import { REDIS } from '../redis/redis.module';
import { ApiMetrics } from './metrics';

/**
 * Health and metrics. No side effects: they only read. Health is public and says
 * only ok or failing; metrics (routes, rates, process figures) need METRICS_TOKEN.
 */
@ApiExcludeController()
@Public()
@Controller()
export class OpsController {
  constructor(
    private readonly db: Database,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly metrics: ApiMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private readonly logger = new Logger('ops');

  /** The process is alive. */
  @Get('healthz')
  @HttpCode(200)
  healthz() {
    return { status: 'ok' };
  }

  /** MySQL and Redis answer; 503 naming the failing dependency otherwise (why goes to the log, not to the caller). */
  @Get('readyz')
  async readyz(@Res({ passthrough: true }) res: Response) {
    const check = async (name: string, fn: () => Promise<unknown>) => {
      try {
        await withTimeout(fn(), 2000);
        return 'ok';
      } catch (err) {
        this.logger.warn(`not ready: ${name} failed: ${(err as Error).message}`);
        return 'failing';
      }
    };
    const [mysql, redis] = await Promise.all([check('mysql', () => this.db.ping()), check('redis', () => this.redis.ping())]);
    const ready = mysql === 'ok' && redis === 'ok';
    res.status(ready ? 200 : 503);
    return { status: ready ? 'ready' : 'not ready', checks: { mysql, redis } };
  }

  /** Prometheus text for a scraper holding METRICS_TOKEN; without the setting, no such route. */
  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  metricsText(@Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const token = this.config.http.metricsToken;
    if (!token) throw new NotFoundException(`Cannot GET ${req.path}`);
    if (!bearerMatches(req.headers.authorization, token)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      throw unauthorized('METRICS_TOKEN_INVALID', 'send Authorization: Bearer <METRICS_TOKEN>');
    }
    return this.metrics.registry.metrics();
  }
}

/** Compared as digests, in constant time whatever the caller sent. */
function bearerMatches(authorization: string | undefined, token: string): boolean {
  const given = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1] ?? '';
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(token));
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms).unref())]);
}
