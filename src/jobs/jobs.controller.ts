import { Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Job, Queue } from 'bullmq';
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
import { WriteAdmissions } from '../catalog/write-admission';
import { DocumentBodies } from '../ingest/document-bodies';
import { GoneJobs } from './gone-jobs';
import { idsQuerySchema, jobIdSchema } from './job-ids-query';
import { JOB_QUEUES, JobLookup } from './job-lookup';
import { toJobView } from './job-view';
import { INGEST_QUEUE } from '../queues/queue-names';
import { IngestJobData } from '../queues/ingest-job';

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

/** Routes that only admin keys reach show failures as recorded. */
const ADMIN_VIEW = { internals: true };

@ApiTags('jobs')
@Controller('v1/jobs')
export class JobsController {
  constructor(
    private readonly jobs: JobLookup,
    private readonly gone: GoneJobs,
    private readonly writeAdmissions: WriteAdmissions,
    private readonly bodies: DocumentBodies,
  ) {}

  /** The job, or 410 with its outcome if it finished and was removed, or 404 if it never was. */
  private async find(id: string, request: FastifyRequest): Promise<{ job: Job; queue: Queue }> {
    const jobId = parseOr400(jobIdSchema, id, 'job id');
    const found = await this.jobs.find(jobId);
    if (found) return found;
    const gone = await this.gone.goneError(jobId, { internals: isAdminRequest(request) });
    throw gone ?? ApiError.notFound(`job '${jobId}'`);
  }

  /**
   * A retry is a resubmission: it becomes the document's latest requested state again (so the
   * "later submission wins" check lets it run), then the job goes back to waiting with all its
   * attempts (otherwise one more failure, however transient, would fail it for good).
   */
  private async resubmit(job: Job): Promise<void> {
    const data = job.data as Partial<IngestJobData> | undefined;
    if (job.queueName === INGEST_QUEUE && data?.collection && data.documentId && data.target) {
      const [seq] = await this.writeAdmissions.nextSubmissions(data.collection, 1);
      await job.updateData({ ...data, seq } as IngestJobData);
      await this.writeAdmissions.recordDesired(
        data.collection,
        new Map([[data.documentId, { seq, target: data.target }]]),
      );
    }
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
  }

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
      const internals = isAdminRequest(request);
      const views = await Promise.all(
        ids.map(async (id) => {
          const found = await this.jobs.find(id);
          if (found) return toJobView(found.job, found.queue, { internals });
          return (await this.gone.view(id, { internals })) ?? { id, state: 'unknown' as const };
        }),
      );
      return { jobs: views, total: views.length };
    }
    if (!isAdminRequest(request)) {
      throw new ApiError(403, 'forbidden', 'listing jobs by state needs an admin key');
    }
    const { state, queue, offset, limit } = parseOr400(listQuerySchema, raw, 'query');
    const q = this.jobs.queue(queue);
    const [jobs, counts] = await Promise.all([
      q.getJobs([state === 'waiting' ? 'wait' : state], offset, offset + limit - 1),
      q.getJobCounts(state === 'waiting' ? 'wait' : state),
    ]);
    const views = await Promise.all(
      jobs.filter(Boolean).map((job) => toJobView(job, q, ADMIN_VIEW)),
    );
    return { jobs: views, total: Object.values(counts).reduce((a, b) => a + b, 0) };
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
    const { job, queue } = await this.find(id, request);
    return toJobView(job, queue, { internals: isAdminRequest(request) });
  }

  @Post('retry')
  @HttpCode(202)
  @RequireScope('admin')
  @ApiOperation({ summary: 'Retry every failed job of a queue (default: ingest)' })
  @ApiQuery({ name: 'queue', required: false })
  @ApiContract({ responses: { 202: retriedJobsSchema }, errors: { 400: 'invalid query' } })
  async retryAll(@Query() query: unknown): Promise<{ retried: number }> {
    const { queue } = parseOr400(queueQuerySchema, query ?? {}, 'query');
    const q = this.jobs.queue(queue);
    let retried = 0;
    for (let batch = await q.getFailed(0, 499); batch.length; batch = await q.getFailed(0, 499)) {
      for (const job of batch) await this.resubmit(job);
      retried += batch.length;
    }
    return { retried };
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
    const { job } = await this.find(id, request);
    const state = await job.getState();
    if (state !== 'failed' && state !== 'completed') {
      throw ApiError.conflict(`job '${job.id}' is ${state}; only finished jobs can be discarded`);
    }
    await job.remove();
    const data = job.data as Partial<IngestJobData> | undefined;
    if (job.queueName === INGEST_QUEUE && data?.op === 'upsert' && data.body) {
      await this.bodies.remove(data.body);
    }
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
    const { job, queue } = await this.find(id, request);
    if ((await job.getState()) !== 'failed') {
      throw ApiError.conflict(`job '${job.id}' is not failed; only failed jobs can be retried`);
    }
    await this.resubmit(job);
    return toJobView(job, queue, ADMIN_VIEW);
  }
}
