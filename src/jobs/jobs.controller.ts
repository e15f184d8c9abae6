import { InjectQueue } from '@nestjs/bullmq';
import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Job, Queue } from 'bullmq';
import { z } from 'zod';
import { RequireScope } from '../auth/auth.guard';
import { ApiError } from '../common/api-error';
import { parseOr400 } from '../common/validation';
import { INGEST_QUEUE } from '../ingest/ingest.types';
import { SEARCH_QUEUE } from '../search/search.constants';
import { JobView, toJobView } from './job-view';

const listQuerySchema = z
  .object({
    state: z.enum(['failed', 'waiting', 'active', 'completed', 'delayed']).default('failed'),
    queue: z.enum([INGEST_QUEUE, SEARCH_QUEUE]).default(INGEST_QUEUE),
    offset: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict();

const jobIdSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,200}$/, 'is not a valid job id');

@ApiTags('jobs')
@Controller('v1/jobs')
export class JobsController {
  private readonly queues: Map<string, Queue>;

  constructor(@InjectQueue(INGEST_QUEUE) ingest: Queue, @InjectQueue(SEARCH_QUEUE) search: Queue) {
    this.queues = new Map([
      [INGEST_QUEUE, ingest],
      [SEARCH_QUEUE, search],
    ]);
  }

  private async find(id: string): Promise<{ job: Job; queue: string }> {
    const jobId = parseOr400(jobIdSchema, id, 'job id');
    for (const [name, queue] of this.queues) {
      const job = await Job.fromId(queue, jobId);
      if (job) return { job, queue: name };
    }
    throw ApiError.notFound(`job '${jobId}'`);
  }

  @Get()
  @RequireScope('admin')
  @ApiOperation({ summary: 'List jobs by state (default: failed, the dead-letter list)' })
  @ApiQuery({ name: 'state', required: false })
  @ApiQuery({ name: 'queue', required: false })
  async list(@Query() query: unknown): Promise<{ jobs: JobView[]; total: number }> {
    const { state, queue, offset, limit } = parseOr400(listQuerySchema, query ?? {}, 'query');
    const q = this.queues.get(queue) as Queue;
    const [jobs, counts] = await Promise.all([
      q.getJobs([state === 'waiting' ? 'wait' : state], offset, offset + limit - 1),
      q.getJobCounts(state === 'waiting' ? 'wait' : state),
    ]);
    const views = await Promise.all(jobs.filter(Boolean).map((job) => toJobView(job, queue)));
    return { jobs: views, total: Object.values(counts).reduce((a, b) => a + b, 0) };
  }

  @Get(':id')
  @RequireScope('ingest', 'search')
  @ApiOperation({ summary: 'State, progress and result of a job' })
  async get(@Param('id') id: string): Promise<JobView> {
    const { job, queue } = await this.find(id);
    return toJobView(job, queue);
  }

  @Post(':id/retry')
  @RequireScope('admin')
  @HttpCode(202)
  @ApiOperation({ summary: 'Retry a failed job' })
  async retry(@Param('id') id: string): Promise<JobView> {
    const { job, queue } = await this.find(id);
    if ((await job.getState()) !== 'failed') {
      throw ApiError.conflict(`job '${job.id}' is not failed; only failed jobs can be retried`);
    }
    await job.retry('failed');
    return toJobView(job, queue);
  }
}
