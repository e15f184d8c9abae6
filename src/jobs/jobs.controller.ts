import { InjectQueue } from '@nestjs/bullmq';
import { Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Job, Queue, QueueKeys } from 'bullmq';
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
import { CatalogService } from '../catalog/catalog.service';
import { DocumentBodies } from '../ingest/document-bodies';
import { INGEST_QUEUE, IngestJobData } from '../ingest/ingest.types';
import { REEMBED_QUEUE } from '../reembed/reembed.types';
import { SEARCH_QUEUE } from '../search/search.constants';
import { SOURCES_QUEUE } from '../sources/sources.types';
import { TUNE_QUEUE } from '../tuning/tune.types';
import { toJobView } from './job-view';

const JOB_QUEUES = [INGEST_QUEUE, SEARCH_QUEUE, REEMBED_QUEUE, TUNE_QUEUE, SOURCES_QUEUE] as const;

const listQuerySchema = z
  .object({
    state: z.enum(['failed', 'waiting', 'active', 'completed', 'delayed']).default('failed'),
    queue: z.enum(JOB_QUEUES).default(INGEST_QUEUE),
    offset: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict();

/** Jobs looked up by id in one request (`?ids=a,b`): what clients waiting on many jobs poll. */
const MAX_IDS = 200;
const idsQuerySchema = z
  .object({
    ids: z
      .string()
      .transform((raw) => [
        ...new Set(
          raw
            .split(',')
            .map((id) => id.trim())
            .filter(Boolean),
        ),
      ])
      .pipe(
        z
          .array(z.string().regex(/^[A-Za-z0-9_.:-]{1,200}$/, 'holds an invalid job id'))
          .min(1, 'must name at least one job')
          .max(MAX_IDS, `must name at most ${MAX_IDS} jobs`),
      ),
  })
  .strict();

const queueQuerySchema = z
  .object({
    queue: z.enum(JOB_QUEUES).default(INGEST_QUEUE),
  })
  .strict();

/** Routes that only admin keys reach show failures as recorded. */
const ADMIN_VIEW = { internals: true };

const jobIdSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,200}$/, 'is not a valid job id');

/** Names BullMQ gives its own keys beside the job hashes (`meta`, `events`, `stalled-check`...). */
const BULLMQ_KEY_NAMES = new Set(Object.keys(new QueueKeys().getKeys('queue')));

/**
 * Whether a job could have this id. A job's hash is read at `<queue>:<id>`, so an id naming
 * one of BullMQ's own keys would read something that is not a job. A job's sub-keys
 * (`<id>:logs`, `<id>:lock`) are not hashes: reading one fails, and lookup() takes that as
 * "no such job" (ids with ':' are real: a job scheduler's jobs are `repeat:<key>:<time>`).
 */
function couldBeJobId(id: string): boolean {
  return (
    !BULLMQ_KEY_NAMES.has(id) &&
    !/:(logs|lock|dependencies|processed|failed|unsuccessful)$/.test(id)
  );
}

@ApiTags('jobs')
@Controller('v1/jobs')
export class JobsController {
  private readonly queues: Map<string, Queue>;

  constructor(
    @InjectQueue(INGEST_QUEUE) ingest: Queue,
    @InjectQueue(SEARCH_QUEUE) search: Queue,
    @InjectQueue(REEMBED_QUEUE) reembed: Queue,
    @InjectQueue(TUNE_QUEUE) tune: Queue,
    @InjectQueue(SOURCES_QUEUE) sources: Queue,
    private readonly catalog: CatalogService,
    private readonly bodies: DocumentBodies,
  ) {
    this.queues = new Map([
      [INGEST_QUEUE, ingest],
      [SEARCH_QUEUE, search],
      [REEMBED_QUEUE, reembed],
      [TUNE_QUEUE, tune],
      [SOURCES_QUEUE, sources],
    ]);
  }

  private async find(id: string): Promise<{ job: Job; queue: Queue }> {
    const jobId = parseOr400(jobIdSchema, id, 'job id');
    const found = couldBeJobId(jobId) ? await this.lookup(jobId) : null;
    if (!found) throw ApiError.notFound(`job '${jobId}'`);
    return found;
  }

  private async lookup(jobId: string): Promise<{ job: Job; queue: Queue } | null> {
    for (const queue of this.queues.values()) {
      const job = await Job.fromId(queue, jobId).catch((error: Error) => {
        // A key that is not a job's hash (WRONGTYPE): no job has this id.
        if (/WRONGTYPE/.test(error.message)) return undefined;
        throw error;
      });
      if (job) return { job, queue };
    }
    return null;
  }

  /**
   * A retry is a resubmission: it becomes the document's latest requested state again (so the
   * "later submission wins" check lets it run), then the job goes back to waiting with all its
   * attempts (otherwise one more failure, however transient, would fail it for good).
   */
  private async resubmit(job: Job): Promise<void> {
    const data = job.data as Partial<IngestJobData> | undefined;
    if (job.queueName === INGEST_QUEUE && data?.collection && data.documentId && data.target) {
      const [seq] = await this.catalog.nextSubmissions(data.collection, 1);
      await job.updateData({ ...data, seq } as IngestJobData);
      await this.catalog.recordDesired(
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
      const views = await Promise.all(
        ids.map(async (id) => {
          const found = couldBeJobId(id) ? await this.lookup(id) : null;
          if (!found) return { id, state: 'unknown' as const };
          return toJobView(found.job, found.queue, { internals: isAdminRequest(request) });
        }),
      );
      return { jobs: views, total: views.length };
    }
    if (!isAdminRequest(request)) {
      throw new ApiError(403, 'forbidden', 'listing jobs by state needs an admin key');
    }
    const { state, queue, offset, limit } = parseOr400(listQuerySchema, raw, 'query');
    const q = this.queues.get(queue) as Queue;
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
  @ApiOperation({ summary: 'State, progress and result of a job' })
  @ApiContract({
    responses: { 200: jobViewSchema },
    errors: { 400: 'invalid job id', 404: 'no such job' },
  })
  async get(@Param('id') id: string, @Req() request: FastifyRequest): Promise<JobView> {
    const { job, queue } = await this.find(id);
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
    const q = this.queues.get(queue) as Queue;
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
  async discard(@Param('id') id: string): Promise<void> {
    const { job } = await this.find(id);
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
  async retry(@Param('id') id: string): Promise<JobView> {
    const { job, queue } = await this.find(id);
    if ((await job.getState()) !== 'failed') {
      throw ApiError.conflict(`job '${job.id}' is not failed; only failed jobs can be retried`);
    }
    await this.resubmit(job);
    return toJobView(job, queue, ADMIN_VIEW);
  }
}
