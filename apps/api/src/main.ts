import 'reflect-metadata';
import { resolve } from 'node:path';
import { ConfigError, configWarnings, loadConfig } from './config/config';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { createLogger, NestPinoLogger } from './common/logger';
import { createApiApp } from './app';
import { shiftProcessClock } from './common/shifted-clock';
import { keepAliveFile } from './ops/alive-file';

/**
 * Starts Wakeward for the configured role: `api` (HTTP), `worker` (background jobs)
 * or `all` (both in one process, the default).
 */
async function main() {
  let config;
  try {
    config = loadConfig({ WEB_DIST: resolve(__dirname, '../../../../../web/dist'), ...process.env });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  // Before anything reads the time (tests only; see shifted-clock.ts).
  shiftProcessClock(config.testClockOffsetMs);
  const logger = createLogger(config.logLevel);
  for (const warning of configWarnings(config)) logger.warn(warning);
  if (config.role === 'api' || config.role === 'all') {
    const app = await createApiApp(config, logger);
    await app.listen(config.port, config.host);
    const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`;
    logger.info({ url, role: config.role, demo: config.demo }, `Wakeward is listening on ${url}`);
  }
  if (config.role === 'worker') {
    // No HTTP: the application context runs the dispatch worker (DispatchWorker).
    const worker = await NestFactory.createApplicationContext(AppModule.forConfig(config), {
      logger: new NestPinoLogger(logger),
      abortOnError: false,
    });
    worker.enableShutdownHooks();
    if (config.workerAliveFile) keepAliveFile(config.workerAliveFile);
    logger.info({ role: config.role }, 'worker started');
  }
}

main().catch((err) => {
  // A setting checked against the other replicas' at start (a differing SESSION_SECRET).
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(78);
  }
  console.error(err);
  process.exit(1);
});
