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
 * `always` (default): a job that returned ends at progress 100, whatever it reported on the
 * way (Bull Board draws the stored progress, not the state), for one awaited Redis round trip.
 * `never`: for searches, which report none and last milliseconds. Bull Board draws no progress
 * ring for them, the job API reports every completed job at 100, and a search does not pay a
 * write, an event in every process's listener and redis-server's work for a figure nobody
 * reads (measured: socket writes are a third of the API process's own CPU on a search miss).
 */
export type ProgressAtCompletion = 'always' | 'never';

function completingAt100<D, R>(processor: Processor<D, R>): Processor<D, R> {
  return async (job, token) => {
    const result = await processor(job, token);
    await job.updateProgress(100).catch(() => undefined);
    return result;
  };
}

/**
 * A BullMQ Worker that can also stop at once. Its `close(true)` cannot: once a close is under
 * way (the graceful one a drain starts), BullMQ returns that pending close, which waits for the
 * active jobs however long they run, while their locks are still renewed (so no other worker
 * retries them) and the connection and timers keep the process alive.
 */
export class RaglineWorker<D = unknown, R = unknown> extends Worker<D, R> {
  /**
   * Aborts the active jobs' signals, stops renewing their locks (they expire and another worker
   * retries the jobs) and drops both connections at once (a job that still finishes here is not
   * recorded: BullMQ skips completing it on a closing connection).
   */
  async forceClose(reason = 'worker force-closed'): Promise<void> {
    this.cancelAllJobs(reason);
    if (!this.closing) void this.close(true).catch(() => undefined);
    await this.lockManager.close();
    // Private in BullMQ's types: the stalled checker's wake-up timer and the blocking
    // connection (a pending graceful close never reaches either).
    this['stalledCheckStopper']?.();
    await Promise.all([
      this['blockingConnection'].close(true).catch(() => undefined),
      this.connection.close(true).catch(() => undefined),
    ]);
  }
}

/** A BullMQ worker with ragline's connection, prefix and lock settings. */
export function createWorker<D, R>(
  config: AppConfig,
  queue: string,
  processor: Processor<D, R>,
  {
    progressAtCompletion = 'always',
    ...options
  }: Partial<WorkerOptions> & { progressAtCompletion?: ProgressAtCompletion } = {},
): RaglineWorker<D, R> {
  const run = progressAtCompletion === 'always' ? completingAt100(processor) : processor;
  return new RaglineWorker<D, R>(queue, run, {
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
export async function drainWorker(
  worker: Pick<RaglineWorker, 'close' | 'forceClose'>,
  timeoutMs: number,
): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((r) => {
    timer = setTimeout(() => r('timeout'), timeoutMs);
  });
  const closed = await Promise.race([
    worker.close().then(
      () => 'closed' as const,
      () => 'closed' as const,
    ),
    timeout,
  ]);
  clearTimeout(timer);
  if (closed === 'closed') return true;
  await worker.forceClose(`not finished within the shutdown timeout (${timeoutMs} ms)`);
  return false;
}
