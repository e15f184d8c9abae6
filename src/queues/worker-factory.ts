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
    progressAtCompletion = 'awaited',
    ...options
  }: Partial<WorkerOptions> & {
    progressAtCompletion?: ProgressAtCompletion;
  } = {},
): RaglineWorker<D, R> {
  return new RaglineWorker<D, R>(queue, completingAt100(processor, progressAtCompletion), {
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
