import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth.guard';
import { MonitorService } from './monitor.service';
import type { PerformanceReport } from './performance-report';

/** `?history=1` (or true/yes) adds every kept sample; `?history=<n>` (n > 1) the latest n. */
export function historySamplesFromQuery(value: string | undefined, kept: number): number {
  if (value === undefined || value === '') return 0;
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes'].includes(v)) return kept;
  const n = Number(v);
  return Number.isInteger(n) && n > 1 ? Math.min(n, kept) : 0;
}

@ApiTags('health')
@Public()
@Controller('v1/health')
export class PerformanceController {
  constructor(private readonly monitor: MonitorService) {}

  @Get('performance')
  @ApiOperation({
    summary:
      'Latency percentiles, throughput, cache hit rates, queues, batching and optimizer actions',
  })
  @ApiQuery({ name: 'history', required: false, description: '1: include the kept samples' })
  performance(@Query('history') history?: string): Promise<PerformanceReport> {
    return this.monitor.report(historySamplesFromQuery(history, this.monitor.history().length));
  }
}
