import {
  Body,
  Controller,
  Get,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/auth.guard';
import { APP_CONFIG, AppConfig } from '../config/config';
import { MonitorService } from '../monitor/monitor.service';
import type { PerformanceReport } from '../monitor/performance-report';
import { historySamplesFromQuery } from '../monitor/history-query';
import { AdminAuthGuard, AdminKeys } from './admin-auth';
import { ADMIN_SETTINGS, AdminSettings } from './admin-settings';
import { BULL_BOARD_PATH } from './bull-board';
import { BOARD_QUEUES } from './bull-board.registrar';

/** What the page needs to know about the server it runs against. */
export interface AdminPageConfig {
  /** How often the page should poll: the monitor's sample interval (nothing changes between). */
  refreshMs: number;
  /** The monitor's sliding window, for axis labels. */
  windowSeconds: number;
  auth: 'key' | 'open';
  readOnly: boolean;
  queues: string[];
  bullBoard: string;
}

/** Response headers of the wrapped /v1 call worth passing on. */
const RELAYED_HEADERS = ['content-type', 'retry-after'];

/**
 * The admin page's JSON, under /admin/api so the same credentials reach it: a browser that
 * authenticated /admin with HTTP Basic sends that Authorization header to paths under /admin/
 * but not to /v1/ (whose challenge is Bearer). Collections and searches are passed through the
 * real /v1 routes in-process (fastify.inject) with the caller's Authorization, so the "try it"
 * box gets exactly the public API's validation, caching, errors and metrics.
 */
@ApiExcludeController()
@Public()
@UseGuards(AdminAuthGuard)
@Controller('admin/api')
export class AdminApiController {
  constructor(
    private readonly monitor: MonitorService,
    private readonly adapterHost: HttpAdapterHost,
    private readonly keys: AdminKeys,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ADMIN_SETTINGS) private readonly settings: AdminSettings,
  ) {}

  @Get('config')
  pageConfig(): AdminPageConfig {
    return {
      refreshMs: this.config.monitor.intervalMs,
      windowSeconds: this.config.monitor.windowMs / 1000,
      auth: this.keys.enabled ? 'key' : 'open',
      readOnly: this.settings.readOnly,
      queues: [...BOARD_QUEUES],
      bullBoard: BULL_BOARD_PATH,
    };
  }

  /** The same body as GET /v1/health/performance (`?history=N` for the latest N samples). */
  @Get('performance')
  performance(@Query('history') history?: string): Promise<PerformanceReport> {
    return this.monitor.report(historySamplesFromQuery(history, this.monitor.history().length));
  }

  @Get('collections')
  collections(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    return this.relay(request, reply, 'GET', '/v1/collections');
  }

  @Post('collections/:name/search')
  search(
    @Param('name') name: string,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const path = `/v1/collections/${encodeURIComponent(name)}/search`;
    return this.relay(request, reply, 'POST', path, body);
  }

  private async relay(
    request: FastifyRequest,
    reply: FastifyReply,
    method: 'GET' | 'POST',
    url: string,
    body?: unknown,
  ): Promise<FastifyReply> {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    const headers: Record<string, string> = {};
    if (request.headers.authorization) headers.authorization = request.headers.authorization;
    if (method === 'POST') headers['content-type'] = 'application/json';
    const res = await fastify.inject({
      method,
      url,
      headers,
      ...(method === 'POST' ? { payload: body === undefined ? '' : JSON.stringify(body) } : {}),
    });
    for (const name of RELAYED_HEADERS) {
      const value = res.headers[name];
      if (typeof value === 'string') void reply.header(name, value);
    }
    return reply.code(res.statusCode).header('cache-control', 'no-store').send(res.rawPayload);
  }
}
