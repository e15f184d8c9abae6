import { Injectable } from '@nestjs/common';
import { Job, Queue } from 'bullmq';
import { WriteAdmissions } from '../catalog/write-admission';
import { ApiError } from '../common/api-error';
import type { JobList, JobView } from '../contract/jobs';
import { DocumentBodies } from '../ingest/document-bodies';
import { IngestJobData } from '../queues/ingest-job';
import { INGEST_QUEUE } from '../queues/queue-names';
import { GoneJobs } from './gone-jobs';
import { JobLookup, JobQueueName } from './job-lookup';
import { toJobView } from './job-view';

/** Routes that only admin keys reach show failures as recorded. */
const ADMIN_VIEW = { internals: true };

export type ListedJobState = 'failed' | 'waiting' | 'active' | 'completed' | 'delayed';

/**
 * The jobs API: jobs by id or by state, and what an admin does to them (retry, discard).
 * `internals` is true for admin callers, who see failures as recorded.
 */
@Injectable()
export class JobsService {
  constructor(
    private readonly jobs: JobLookup,
    private readonly gone: GoneJobs,
    private readonly writeAdmissions: WriteAdmissions,
    private readonly bodies: DocumentBodies,
  ) {}

  /** Each id's view; a removed job's outcome, or state "unknown" for one that never was. */
  async byIds(ids: readonly string[], internals: boolean): Promise<JobList> {
    const views = await Promise.all(
      ids.map(async (id) => {
        const found = await this.jobs.find(id);
        if (found) return toJobView(found.job, found.queue, { internals });
        return (await this.gone.view(id, { internals })) ?? { id, state: 'unknown' as const };
      }),
    );
    return { jobs: views, total: views.length };
  }

  async byState(query: {
    state: ListedJobState;
    queue: JobQueueName;
    offset: number;
    limit: number;
  }): Promise<JobList> {
    const { state, queue, offset, limit } = query;
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

  async view(jobId: string, internals: boolean): Promise<JobView> {
    const { job, queue } = await this.find(jobId, internals);
    return toJobView(job, queue, { internals });
  }

  /** Retries every failed job of `queue`; answers how many. */
  async retryAll(queue: JobQueueName): Promise<{ retried: number }> {
    const q = this.jobs.queue(queue);
    let retried = 0;
    for (let batch = await q.getFailed(0, 499); batch.length; batch = await q.getFailed(0, 499)) {
      for (const job of batch) await this.resubmit(job);
      retried += batch.length;
    }
    return { retried };
  }

  /** Removes a finished job (409 for one still running), and a failed upsert's stored body. */
  async discard(jobId: string, internals: boolean): Promise<void> {
    const { job } = await this.find(jobId, internals);
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

  async retry(jobId: string, internals: boolean): Promise<JobView> {
    const { job, queue } = await this.find(jobId, internals);
    if ((await job.getState()) !== 'failed') {
      throw ApiError.conflict(`job '${job.id}' is not failed; only failed jobs can be retried`);
    }
    await this.resubmit(job);
    return toJobView(job, queue, ADMIN_VIEW);
  }

  /** The job, or 410 with its outcome if it finished and was removed, or 404 if it never was. */
  private async find(jobId: string, internals: boolean): Promise<{ job: Job; queue: Queue }> {
    const found = await this.jobs.find(jobId);
    if (found) return found;
    const gone = await this.gone.goneError(jobId, { internals });
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
}
