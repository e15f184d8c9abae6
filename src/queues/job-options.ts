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
