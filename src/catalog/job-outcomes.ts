import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Job, Worker } from 'bullmq';
import Redis from 'ioredis';
import { throttledWarning } from '../common/throttled-warning';
import { APP_CONFIG, AppConfig } from '../config/config';
import { REDIS } from '../redis/redis.module';

/** What stays of a finished job once BullMQ has removed it (the job's id answers 410 with it). */
export interface JobOutcome {
  id: string;
  queue: string;
  name: string;
  state: 'completed' | 'failed';
  collection?: string;
  documentId?: string;
  attempts: number;
  createdAt: string;
  finishedAt: string;
  /** As recorded; the API withholds it from non-admin callers as it does for live jobs. */
  failedReason?: string;
  /** A completed ingest job that did nothing because a later submission of its document won. */
  superseded?: boolean;
}

function outcomeOf(job: Job, state: JobOutcome['state'], failedReason?: string): JobOutcome {
  const data = (job.data ?? {}) as { collection?: unknown; documentId?: unknown };
  const result = job.returnvalue as { superseded?: unknown } | null | undefined;
  return {
    id: String(job.id),
    queue: job.queueName,
    name: job.name,
    state,
    collection: typeof data.collection === 'string' ? data.collection : undefined,
    documentId: typeof data.documentId === 'string' ? data.documentId : undefined,
    attempts: job.attemptsMade,
    createdAt: new Date(job.timestamp).toISOString(),
    finishedAt: new Date(job.finishedOn ?? Date.now()).toISOString(),
    failedReason: state === 'failed' ? (failedReason ?? job.failedReason) : undefined,
    superseded: state === 'completed' && result?.superseded === true ? true : undefined,
  };
}

/**
 * The compact outcome of every finished job, one small Redis key per job id, written by the
 * worker process when the job completes or fails for good. It outlives the job's own
 * retention (RAGLINE_KEEP_*_SECONDS) by RAGLINE_JOB_OUTCOME_SECONDS, so a client reading
 * outcomes long after a large submission learns what happened instead of a bare 404.
 */
@Injectable()
export class JobOutcomes {
  private readonly logger = new Logger('JobOutcomes');
  private readonly warn = throttledWarning((m) => this.logger.warn(m));

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private key(id: string): string {
    return `${this.config.prefix}:job-outcome:${id}`;
  }

  private ttlSeconds(state: JobOutcome['state']): number {
    const { keepCompleted, keepFailed } = this.config.ingest;
    const kept = state === 'completed' ? keepCompleted.age : keepFailed.age;
    return kept + this.config.jobs.outcomeSeconds;
  }

  async record(outcome: JobOutcome): Promise<void> {
    await this.redis.set(
      this.key(outcome.id),
      JSON.stringify(outcome),
      'EX',
      this.ttlSeconds(outcome.state),
    );
  }

  async read(id: string): Promise<JobOutcome | null> {
    const raw = await this.redis.get(this.key(id));
    return raw ? (JSON.parse(raw) as JobOutcome) : null;
  }

  /** Records the outcome of each job `worker` completes or fails for good (not retried). */
  recordFrom(worker: Worker): void {
    const save = (outcome: JobOutcome): void => {
      this.record(outcome).catch((error: Error) =>
        this.warn(`job outcome of ${outcome.id} not recorded: ${error.message}`),
      );
    };
    worker.on('completed', (job: Job) => save(outcomeOf(job, 'completed')));
    worker.on('failed', (job: Job | undefined, error: Error) => {
      if (!job) return;
      const final =
        job.attemptsMade >= (job.opts.attempts ?? 1) || error.name === 'UnrecoverableError';
      if (final) save(outcomeOf(job, 'failed', error.message));
    });
  }
}
