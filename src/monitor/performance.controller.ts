import { Controller, Get, Inject, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { checkAdminAccess } from '../auth/admin-access';
import { ApiKeyEntry, parseApiKeys } from '../auth/api-keys';
import { Public } from '../auth/auth.guard';
import { ApiContract } from '../common/openapi';
import { APP_CONFIG, AppConfig } from '../config/config';
import { PerformanceReport, performanceReportSchema } from '../contract/health';
import { historySamplesFromQuery } from './history-query';
import { MonitorService } from './monitor.service';
import { withoutCollectionNames } from './public-report';

@ApiTags('health')
@Public()
@Controller('v1/health')
export class PerformanceController {
  private readonly keys: ApiKeyEntry[];

  constructor(
    private readonly monitor: MonitorService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.keys = parseApiKeys(config.apiKeys);
  }

  @Get('performance')
  @ApiOperation({
    summary:
      'Latency percentiles, throughput, cache hit rates, queues, batching and optimizer actions',
    description:
      'Needs no key. Without a key that has the admin scope (when keys are configured), no ' +
      'collection is named: per-collection batchers are summed under their kind (`upsert`).',
  })
  @ApiQuery({ name: 'history', required: false, description: '1: include the kept samples' })
  @ApiContract({ public: true, responses: { 200: performanceReportSchema } })
  async performance(
    @Req() request: FastifyRequest,
    @Query('history') history?: string,
  ): Promise<PerformanceReport> {
    const report = await this.monitor.report(
      historySamplesFromQuery(history, this.monitor.history().length),
    );
    return checkAdminAccess(this.keys, request).allowed ? report : withoutCollectionNames(report);
  }
}
