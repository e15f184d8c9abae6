import { Job, Processor, Worker, WorkerOptions } from 'bullmq';
import { AppConfig } from '../config/config';
import { configuredQueuePrefix } from '../redis/keys';
import { bullConnectionOptions } from '../redis/redis-connection';

/** Reports each completed job's wait (queued -> started) and run time to `record`. */
export function onJobTimes(worker: Worker, record: (waitMs: number, runMs: number) => void): void {
  worker.on('completed', (job: Job) => {
    if (job.processedOn && job.finishedOn) {
      record(job.processedOn - job.timestamp, job.finishedOn - job.processedOn);
    }
  });
}

/**
 * How a job that returned gets progress 100, whatever it reported on the way (Bull Board
 * shows the stored progress, not the state). `awaited`: before the job completes, one Redis
 * round trip (about 0.5 ms) per job. `pipelined`: sent without waiting, ahead of the
 * completion on the same connection, for short jobs someone waits on (searches).
 */
export type ProgressAtCompletion = 'awaited' | 'pipelined';

function completingAt100<D, R>(
  processor: Processor<D, R>,
  mode: ProgressAtCompletion,
): Processor<D, R> {
  return async (job, token) => {
    const result = await processor(job, token);
    const update = job.updateProgress(100).catch(() => undefined);
    if (mode === 'awaited') await update;
    return result;
  };
}

/** A BullMQ worker with ragline's connection, prefix and lock settings. */
export function createWorker<D, R>(
  config: AppConfig,
  queue: string,
  processor: Processor<D, R>,
  {
    progressAtCompletion = 'awaited',
    ...options
  }: Partial<WorkerOptions> & {
    progressAtCompletion?: ProgressAtCompletion;
  } = {},
): Worker<D, R> {
  return new Worker<D, R>(queue, completingAt100(processor, progressAtCompletion), {
    connection: bullConnectionOptions(config.redisUrl),
    prefix: configuredQueuePrefix(config, queue),
    lockDuration: config.ingest.lockMs,
    stalledInterval: config.ingest.stalledIntervalMs,
    maxStalledCount: 2,
    autorun: true,
    ...options,
  });
}

/**
 * Stops the worker taking jobs and waits for its active ones, up to `timeoutMs`; then closes
 * it by force, and the jobs cut off are retried by another worker (their locks expire).
 * Resolves to whether the active jobs finished in time.
 */
export async function drainWorker(worker: Worker, timeoutMs: number): Promise<boolean> {
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
  const closed = await Promise.race([worker.close().then(() => 'closed' as const), timeout]);
  if (closed === 'closed') return true;
  await worker.close(true);
  return false;
}
