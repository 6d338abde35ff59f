import 'reflect-metadata';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import express from 'express';
import type { Logger } from 'pino';
import { AppModule } from './app.module';
import { HttpErrorFilter } from './common/http-error.filter';
import type { AppConfig } from './config/config';
import { NestPinoLogger } from './common/logger';
import { ApiMetrics } from './ops/metrics';
import { requestLogging } from './ops/request-logging';
import { serveConsole } from './edge/console-files';
import { securityHeaders } from './edge/security-headers';

/** Builds the HTTP application (REST API, console, docs, health) without listening. */
export async function createApiApp(config: AppConfig, logger: Logger): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config), {
    bodyParser: false,
    logger: new NestPinoLogger(logger),
    abortOnError: false,
  });
  app.disable('x-powered-by');
  // req.ip, and so the login limits and the audit log, believe X-Forwarded-For only from these.
  app.set('trust proxy', config.trustProxy);
  app.use(requestLogging(logger, app.get(ApiMetrics)));
  app.use(securityHeaders());
  // Agents send up to 5,000 readings a request (about 1 MB of JSON); nothing else comes
  // near 256 KB, and every body is held in memory and parsed whole.
  app.use('/api/agent/v1', express.json({ limit: '5mb' }));
  app.use(express.json({ limit: '256kb' }));
  // Only text/csv: a plain HTML form of another site can send text/plain, urlencoded and multipart bodies.
  app.use(express.text({ type: 'text/csv', limit: '5mb' }));
  app.useGlobalFilters(new HttpErrorFilter());
  app.enableShutdownHooks();
  keepAgentConnections(app.getHttpServer());

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Wakeward API')
      .setDescription('Fleet registry, schedules and the agent protocol (see PROTOCOL.md)')
      .setVersion('1')
      .addCookieAuth('wk_session')
      .build(),
  );
  // API_DOCS: off in production unless asked for.
  if (config.http.apiDocs) SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });

  if (config.webDist && existsSync(join(config.webDist, 'index.html'))) serveConsole(app, config.webDist);
  return app;
}

/**
 * Agents make a request every 25-30 s (long poll, heartbeat). Node closes an idle
 * keep-alive connection after 5 s, so every heartbeat paid a new TCP (in the field,
 * TLS) handshake on the Pi and here. 65 s outlasts both intervals and the usual 60 s
 * of a load balancer in front; the header timeout must stay above it, or Node answers
 * 408 on a connection that was merely idle.
 */
function keepAgentConnections(server: Server) {
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 70_000;
}
