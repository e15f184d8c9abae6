import type { JobsOptions } from 'bullmq';
import type { AppConfig } from '../config/config';

/** Retries with exponential backoff and jitter, and the configured retention of finished jobs. */
export function retriedJobOptions(ingest: AppConfig['ingest']): JobsOptions {
  const { attempts, backoffMs, keepCompleted, keepFailed } = ingest;
  return {
    attempts,
    backoff: { type: 'exponential', delay: backoffMs, jitter: 0.5 },
    removeOnComplete: { count: keepCompleted.count, age: keepCompleted.age },
    removeOnFail: { count: keepFailed.count, age: keepFailed.age },
  };
}

/**
 * A search job: one attempt (its caller waits for it, a retry would answer too late); kept a
 * minute once done (a late reader can still find it), failures an hour (for Bull Board).
 */
export function searchJobOptions(jobId: string): JobsOptions {
  return {
    jobId,
    attempts: 1,
    removeOnComplete: { age: 60, count: 5000 },
    removeOnFail: { age: 3600, count: 1000 },
  };
}

/** A source sync: three attempts with backoff (a site may be down a while); kept like ingest jobs. */
export function syncJobOptions(ingest: AppConfig['ingest']): JobsOptions {
  const { keepCompleted, keepFailed } = ingest;
  return {
    attempts: 3,
    backoff: { type: 'exponential', delay: 5000, jitter: 0.5 },
    removeOnComplete: { count: keepCompleted.count, age: keepCompleted.age },
    removeOnFail: { count: keepFailed.count, age: keepFailed.age },
  };
}

/**
 * A tune job: two attempts, and at most one waiting or running per collection (adding another
 * meanwhile returns that job); kept like ingest jobs.
 */
export function tuneJobOptions(
  ingest: AppConfig['ingest'],
  collection: string,
  jobId: string,
): JobsOptions {
  const { keepCompleted, keepFailed } = ingest;
  return {
    jobId,
    deduplication: { id: `tune-${collection}` },
    attempts: 2,
    backoff: { type: 'exponential', delay: 5000 },
    removeOnComplete: { count: keepCompleted.count, age: keepCompleted.age },
    removeOnFail: { count: keepFailed.count, age: keepFailed.age },
  };
}
