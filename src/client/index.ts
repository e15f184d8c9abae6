export * from './types';
export * from './errors';
export { parseRetryAfter } from './retry-after';
export {
  RaglineClient,
  isFinishedJob,
  type RaglineClientOptions,
  type RetryOptions,
  type WaitForJobsOptions,
  type WaitForTuneOptions,
} from './ragline-client';
