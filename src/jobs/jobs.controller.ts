import { Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { FastifyRequest } from 'fastify';
import { isAdminRequest, RequireScope } from '../auth/auth.guard';
import { ApiError } from '../common/api-error';
import { ApiContract } from '../common/openapi';
import { parseOr400 } from '../common/validation';
import {
  JobList,
  jobListSchema,
  retriedJobsSchema,
  JobView,
  jobViewSchema,
} from '../contract/jobs';
import { INGEST_QUEUE } from '../queues/queue-names';
import { idsQuerySchema, jobIdSchema } from './job-ids-query';
import { JOB_QUEUES } from './job-lookup';
import { JobsService } from './jobs.service';

const listQuerySchema = z
  .object({
    state: z.enum(['failed', 'waiting', 'active', 'completed', 'delayed']).default('failed'),
    queue: z.enum(JOB_QUEUES).default(INGEST_QUEUE),
    offset: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict();

const queueQuerySchema = z
  .object({
    queue: z.enum(JOB_QUEUES).default(INGEST_QUEUE),
  })
  .strict();

@ApiTags('jobs')
@Controller('v1/jobs')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Get()
  @RequireScope('ingest', 'search')
  @ApiOperation({
    summary:
      'Jobs by id (`?ids=a,b`, ingest or search scope; unknown ones answer state "unknown"), or by state (admin; default: failed, the dead-letter list)',
  })
  @ApiQuery({ name: 'ids', required: false })
  @ApiQuery({ name: 'state', required: false })
  @ApiQuery({ name: 'queue', required: false })
  @ApiContract({
    responses: { 200: jobListSchema },
    errors: { 400: 'invalid query', 403: 'listing jobs by state needs an admin key' },
  })
  async list(@Query() query: unknown, @Req() request: FastifyRequest): Promise<JobList> {
    const raw = (query ?? {}) as Record<string, unknown>;
    if (raw.ids !== undefined) {
      const { ids } = parseOr400(idsQuerySchema, raw, 'query');
      return this.jobs.byIds(ids, isAdminRequest(request));
    }
    if (!isAdminRequest(request)) {
      throw new ApiError(403, 'forbidden', 'listing jobs by state needs an admin key');
    }
    return this.jobs.byState(parseOr400(listQuerySchema, raw, 'query'));
  }

  @Get(':id')
  @RequireScope('ingest', 'search')
  @ApiOperation({
    summary:
      'State, progress and result of a job (410 with its outcome once it is removed after its retention)',
  })
  @ApiContract({
    responses: { 200: jobViewSchema },
    errors: {
      400: 'invalid job id',
      404: 'no such job',
      410: 'the job finished and was removed after its retention: details hold its outcome and the document now',
    },
  })
  async get(@Param('id') id: string, @Req() request: FastifyRequest): Promise<JobView> {
    return this.jobs.view(parseOr400(jobIdSchema, id, 'job id'), isAdminRequest(request));
  }

  @Post('retry')
  @HttpCode(202)
  @RequireScope('admin')
  @ApiOperation({ summary: 'Retry every failed job of a queue (default: ingest)' })
  @ApiQuery({ name: 'queue', required: false })
  @ApiContract({ responses: { 202: retriedJobsSchema }, errors: { 400: 'invalid query' } })
  async retryAll(@Query() query: unknown): Promise<{ retried: number }> {
    const { queue } = parseOr400(queueQuerySchema, query ?? {}, 'query');
    return this.jobs.retryAll(queue);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireScope('admin')
  @ApiOperation({ summary: 'Discard a finished (failed or completed) job' })
  @ApiContract({
    responses: { 204: null },
    errors: { 400: 'invalid job id', 404: 'no such job', 409: 'the job has not finished' },
  })
  async discard(@Param('id') id: string, @Req() request: FastifyRequest): Promise<void> {
    await this.jobs.discard(parseOr400(jobIdSchema, id, 'job id'), isAdminRequest(request));
  }

  @Post(':id/retry')
  @RequireScope('admin')
  @HttpCode(202)
  @ApiOperation({ summary: 'Retry a failed job' })
  @ApiContract({
    responses: { 202: jobViewSchema },
    errors: { 400: 'invalid job id', 404: 'no such job', 409: 'the job has not failed' },
  })
  async retry(@Param('id') id: string, @Req() request: FastifyRequest): Promise<JobView> {
    return this.jobs.retry(parseOr400(jobIdSchema, id, 'job id'), isAdminRequest(request));
  }
}
