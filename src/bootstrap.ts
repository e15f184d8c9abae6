import 'reflect-metadata';
import { LogLevel } from '@nestjs/common';
import helmet from '@fastify/helmet';
import { NestFactory } from '@nestjs/core';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { HttpExceptionFilter } from './http/http-exception.filter';
import { QuietStartupLogger } from './common/quiet-startup-logger';
import { AppConfig } from './config/config';
import { installJsonBodyParser } from './common/json-body-parser';
import { API_KEY_SCHEME, COMPONENT_SCHEMAS } from './common/openapi';
import { installResponseCheck } from './common/response-check';
import { MAX_DOCUMENT_ID_LENGTH } from './contract/documents';
import { installHttpMetrics } from './metrics/http-metrics';
import { MetricsService } from './metrics/metrics.service';
import { routeKind } from './metrics/route-kind';
import { MonitorService } from './monitor/monitor.service';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

export function openApiDocument(app: NestFastifyApplication) {
  const options = new DocumentBuilder()
    .setTitle('ragline')
    .setDescription('Queue-driven document ingest and semantic search (reference: docs/API.md)')
    .setVersion('1')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'API key',
        description:
          'An API key from RAGLINE_API_KEYS, as `Authorization: Bearer <key>`; its scopes (ingest, search, admin) decide which routes it reaches. Without configured keys (loopback only) no key is needed.',
      },
      API_KEY_SCHEME,
    )
    .build();
  const document = SwaggerModule.createDocument(app, options);
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, ...COMPONENT_SCHEMAS },
  };
  return document;
}

/** Builds the Nest application for a validated configuration (used by main.ts and by tests). */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.limits.maxBodyBytes,
    trustProxy: false,
    // A document id travels as a path parameter: the longest id ingest accepts must fit.
    routerOptions: { maxParamLength: MAX_DOCUMENT_ID_LENGTH },
    // Errors the router raises before any handler (a malformed or too long URL) get the
    // API's error shape too.
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      void reply.status(tooLong ? 414 : 400).send({
        error: {
          code: tooLong ? 'uri_too_long' : 'invalid_url',
          message: tooLong
            ? 'a path segment is longer than allowed'
            : 'the URL is not valid (bad percent-encoding?)',
        },
      });
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRole(config), adapter, {
    logger: new QuietStartupLogger({
      logLevels: LEVELS.slice(0, LEVELS.indexOf(config.logLevel) + 1),
    }),
    bufferLogs: false,
    bodyParser: false,
  });
  installJsonBodyParser(app.getHttpAdapter().getInstance(), config.limits.maxBodyBytes);
  // Security headers on every answer. The content-security policy is left to the pages that
  // serve HTML (/admin sets a strict one; Swagger UI at /docs needs its inline scripts).
  await app.register(helmet, { contentSecurityPolicy: false, crossOriginEmbedderPolicy: false });
  const monitor = app.get(MonitorService);
  installHttpMetrics(app.getHttpAdapter().getInstance(), app.get(MetricsService), {
    // The live page and /v1/health/performance show real traffic: clients reading job states
    // are counted in /metrics only (route_kind="job_polling").
    onObserved: (o) => {
      if (routeKind(o.method, o.route) === 'api') {
        monitor.recordHttp(o.route, o.durationMs, o.statusCode);
      }
    },
  });
  if (config.checkResponses) installResponseCheck(app);
  // Nest installs Fastify's error handler itself and routes every error to this filter.
  app.useGlobalFilters(new HttpExceptionFilter());
  // Only the signals that mean "stop": others (SIGUSR2, SIGHUP...) stay free for diagnostics.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  if (config.docs && config.role !== 'worker') {
    SwaggerModule.setup('docs', app, openApiDocument(app));
  }
  return app;
}
