import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { BroadcastChannel, type Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { EmbeddingWorkerError } from './embedding.errors';
import { EmbedPriority, PriorityQueueOptions, PriorityTaskQueue } from './priority-task-queue';
import { ThreadCpuTotal } from './thread-cpu';

/** Resolved beside this file, so it works from src/ (ts-jest) and from dist/ (after tsc). */
export const USE_LITE_WORKER_FILE = join(__dirname, 'use-lite.worker.js');

/** Where a worker thread says it cannot lower its nice value again (see use-lite.worker.js). */
export const USE_LITE_NICE_CHANNEL = 'ragline:use-lite:nice';

export interface UseLiteWorkerPoolOptions {
  /** Worker threads, each holding its own model (about 0.2 s to load, ~100 MB). Default: cores. */
  size?: number;
  /**
   * Added to each worker thread's nice value while it embeds search queries (interactive
   * tasks). Default 0: a higher value lets every other busy process on the machine starve
   * search misses (measured at 500 searches/s with the load generator on the same 2 cores:
   * at 10, 469 timeouts and p95 4.3 s; at 0, no timeout and p95 262 ms).
   */
  niceIncrement?: number;
  /**
   * Added to the thread's nice value while it embeds documents (bulk tasks), Linux only (the
   * value is per thread there). Default 10: the event loop and the search queries win the CPU
   * from a large ingest (measured during a bulk embed: event-loop p99 3.5 ms at 0, 1.4 ms at
   * 10), while an otherwise idle machine still gives the ingest every core. Lowering the value
   * again for the next query needs CAP_SYS_NICE or RLIMIT_NICE; without either, the threads
   * stay at niceIncrement (the pool warns once).
   */
  bulkNiceIncrement?: number;
  /** Longest a bulk task waits behind interactive ones before it goes first. Default 2000 ms. */
  bulkMaxWaitMs?: number;
}

let poolsStarted = 0;

interface UseLiteTask {
  texts: string[];
  maxInputTokens: number;
  /** Added to the thread's starting nice value for this task (see use-lite.worker.js). */
  niceIncrement: number;
  baseNiceIncrement: number;
  /** Read by the task queue on this side only (symbol keys are not sent to the thread). */
  [queueOptions: symbol]: PriorityQueueOptions;
}

/**
 * USE lite inference in worker threads (piscina), never on the caller's event loop. A thread
 * that crashes or exits is replaced by piscina; the task it held is retried once here, so a
 * single crash costs latency, not a failed call.
 */
export class UseLiteWorkerPool {
  private readonly piscina: Piscina<UseLiteTask, Float32Array>;
  private closed = false;
  private failures = 0;
  private tasksInFlight = 0;
  private tasksRun = 0;
  private readonly niceChannel = new BroadcastChannel(USE_LITE_NICE_CHANNEL);
  private bulkNiceHeld = true;
  /** Where this pool's threads say which OS thread each is (see use-lite.worker.js). */
  private readonly threadsChannel: BroadcastChannel;
  private readonly threadCpu = new ThreadCpuTotal();

  private constructor(
    readonly size: number,
    private readonly niceIncrement: number,
    private readonly bulkNiceIncrement: number,
    bulkMaxWaitMs: number,
  ) {
    // Per pool: a process may hold several (a benchmark's probe beside the service's own).
    const threadsChannel = `ragline:use-lite:threads:${process.pid}:${++poolsStarted}`;
    this.threadsChannel = new BroadcastChannel(threadsChannel);
    this.threadsChannel.unref();
    this.threadsChannel.onmessage = (event) => {
      const tid = (event as { data?: { tid?: unknown } }).data?.tid;
      if (typeof tid === 'number' && Number.isInteger(tid) && tid > 0) this.threadCpu.add(tid);
    };
    this.piscina = new Piscina<UseLiteTask, Float32Array>({
      filename: USE_LITE_WORKER_FILE,
      minThreads: size,
      maxThreads: size,
      concurrentTasksPerWorker: 1,
      taskQueue: new PriorityTaskQueue(bulkMaxWaitMs),
      workerData: { threadsChannel },
    });
    // Without a listener, a thread dying while idle would be an unhandled 'error' event.
    this.piscina.on('error', () => {
      this.failures++;
    });
    this.niceChannel.unref();
    this.niceChannel.onmessage = () => {
      if (!this.bulkNiceHeld) return;
      this.bulkNiceHeld = false;
      process.emitWarning(
        'the model threads cannot lower their nice value again (no CAP_SYS_NICE or RLIMIT_NICE): ' +
          'documents are embedded at the same priority as search queries (RAGLINE_EMBED_BULK_NICE has no effect)',
        'RaglineEmbedNice',
      );
    };
  }

  /** Starts the threads and waits until every model is loaded, so load errors surface here. */
  static async start(options: UseLiteWorkerPoolOptions = {}): Promise<UseLiteWorkerPool> {
    const size = options.size ?? availableParallelism();
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`use-lite pool size must be a positive integer, got ${size}`);
    }
    const pool = new UseLiteWorkerPool(
      size,
      options.niceIncrement ?? 0,
      options.bulkNiceIncrement ?? 10,
      options.bulkMaxWaitMs ?? 2000,
    );
    try {
      await Promise.all(Array.from({ length: size }, () => pool.run(['warm up'], 8)));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  /**
   * texts: normalised, non-empty. Returns texts.length x 512 unit vectors, row-major.
   * Interactive tasks are handed to threads before queued bulk ones (see PriorityTaskQueue).
   */
  async run(
    texts: string[],
    maxInputTokens: number,
    priority: EmbedPriority = 'interactive',
  ): Promise<Float32Array> {
    const task: UseLiteTask = {
      texts,
      maxInputTokens,
      niceIncrement: priority === 'bulk' ? this.bulkNiceIncrement : this.niceIncrement,
      baseNiceIncrement: this.niceIncrement,
      [Piscina.queueOptionsSymbol]: { priority },
    };
    this.tasksInFlight++;
    this.tasksRun++;
    try {
      return await this.runWithRetry(task, texts.length);
    } finally {
      this.tasksInFlight--;
    }
  }

  private async runWithRetry(task: UseLiteTask, size: number): Promise<Float32Array> {
    try {
      return await this.piscina.run(task);
    } catch (first) {
      this.failures++;
      if (this.closed) throw first;
      try {
        return await this.piscina.run(task);
      } catch (second) {
        this.failures++;
        throw new EmbeddingWorkerError(
          `use-lite worker failed twice on a batch of ${size}: ${describe(second)}`,
          { cause: second },
        );
      }
    }
  }

  /** Live threads (for diagnostics and tests; piscina replaces dead ones). */
  get threads(): readonly Worker[] {
    return this.piscina.threads;
  }

  /** Failed task attempts and thread errors since start. */
  get failureCount(): number {
    return this.failures;
  }

  /** False once a thread found it could not go back from the bulk nice value (it then stays at the base). */
  get bulkNiceApplies(): boolean {
    return this.bulkNiceHeld;
  }

  /** Threads with no task of this pool running or waiting for them (0 when tasks queue). */
  get idleThreads(): number {
    return Math.max(0, this.size - this.tasksInFlight);
  }

  /** Tasks handed to the threads since start (a retry is not counted again). */
  get tasksStarted(): number {
    return this.tasksRun;
  }

  get queueSize(): number {
    return this.piscina.queueSize;
  }

  /**
   * CPU seconds the model threads have used since the pool started, threads that were replaced
   * included (Linux; undefined elsewhere). Beside the process's CPU it tells how much of a
   * search miss is the model and how much everything around it.
   */
  cpuSeconds(): number | undefined {
    return this.threadCpu.seconds();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.niceChannel.close();
    this.threadsChannel.close();
    await this.piscina.destroy();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
