import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Job } from 'bullmq';
import { ApiError } from '../common/api-error';
import { APP_CONFIG, AppConfig } from '../config/config';
import { QueueEventsHub } from '../queues/queue-events-hub';
import { redisUnavailable } from '../redis/redis-errors';
import { searchFailure } from './search-failure';
import { SEARCH_QUEUE } from '../queues/queue-names';
import { SearchJobResult } from '../queues/search-job';
import { JobQueues } from '../queues/job-queues';

export type LateResultHandler = (result: SearchJobResult) => void;

interface Waiter {
  resolve: (result: SearchJobResult) => void;
  reject: (error: unknown) => void;
  midway?: NodeJS.Timeout;
  final: NodeJS.Timeout;
  /** Epoch ms of the final check. */
  deadline: number;
  onLate?: LateResultHandler;
}

/**
 * Why a waiter's job is read: `midway` (an event may have been missed; keep waiting if the job
 * has not finished), `connection` (the listener's connection dropped or came back: settle
 * what can be read, answer 503 at once if Redis cannot be read), `final` (the timeout).
 */
type Check = 'midway' | 'connection' | 'final';

const FALLBACK_CHECK_MS = 2000;

/**
 * One QueueEvents listener per process resolves a map of waiters (BullMQ's maintainers advise
 * against a waitUntilFinished per request under load). Every wait has a timeout, and reads the
 * job itself before giving up, and once midway, in case an event was missed. When the
 * listener's connection drops, every pending wait reads its job at once: finished jobs
 * settle, and with Redis unreachable the wait ends with 503 instead of running into the
 * timeout. When it is back, they read again (completions published meanwhile were missed);
 * the listener itself resumes reading the event stream from the last event it saw.
 */
@Injectable()
export class SearchWaiters implements OnModuleInit, OnApplicationShutdown {
  private readonly waiters = new Map<string, Waiter>();
  /** Jobs still running when their wait timed out: their results are still worth keeping. */
  private readonly late = new Map<string, { onLate: LateResultHandler; until: number }>();
  constructor(
    private readonly queues: JobQueues,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly hub: QueueEventsHub,
  ) {}

  async onModuleInit(): Promise<void> {
    // The process's one listener of the search queue, shared with job event streams.
    const events = await this.hub.events(SEARCH_QUEUE);
    events.on('completed', ({ jobId, returnvalue }) => {
      // Every process hears every job: parse only the results someone here waits for.
      const late = this.takeLate(jobId);
      if (!late && !this.waiters.has(jobId)) return;
      const result =
        typeof returnvalue === 'string'
          ? (JSON.parse(returnvalue) as SearchJobResult)
          : (returnvalue as unknown as SearchJobResult);
      if (late) late(result);
      else this.settle(jobId, (w) => w.resolve(result));
    });
    events.on('failed', ({ jobId, failedReason }) => {
      this.late.delete(jobId);
      this.settle(jobId, (w) => w.reject(searchFailure(failedReason)));
    });
    const client = await events.client;
    client.on('close', () => this.checkAll());
    client.on('ready', () => this.checkAll());
  }

  get pending(): number {
    return this.waiters.size;
  }

  private settle(jobId: string, action: (w: Waiter) => void): void {
    const waiter = this.waiters.get(jobId);
    if (!waiter) return;
    this.waiters.delete(jobId);
    clearTimeout(waiter.midway);
    clearTimeout(waiter.final);
    action(waiter);
  }

  /**
   * Register before adding the job, so no event can come first. `onLate` receives the result
   * of a job that was still running when the wait timed out (and answered 504), if it arrives
   * within another timeout: under overload the work is then not lost, and the next identical
   * search finds it in the cache instead of queueing the same work again.
   */
  wait(
    jobId: string,
    timeoutMs = this.config.search.timeoutMs,
    onLate?: LateResultHandler,
  ): Promise<SearchJobResult> {
    return new Promise<SearchJobResult>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        midway:
          timeoutMs > FALLBACK_CHECK_MS * 2
            ? setTimeout(() => void this.readJob(jobId, 'midway'), FALLBACK_CHECK_MS)
            : undefined,
        final: setTimeout(() => void this.readJob(jobId, 'final'), timeoutMs),
        deadline: Date.now() + timeoutMs,
        onLate,
      };
      this.waiters.set(jobId, waiter);
    });
  }

  /** Waits for the job until `deadline` (epoch ms) at least: a later request joined it. */
  extend(jobId: string, deadline: number): void {
    const waiter = this.waiters.get(jobId);
    if (!waiter || deadline <= waiter.deadline) return;
    clearTimeout(waiter.final);
    waiter.deadline = deadline;
    waiter.final = setTimeout(() => void this.readJob(jobId, 'final'), deadline - Date.now());
  }

  /** Forget a waiter whose job could not be added. */
  cancel(jobId: string): void {
    this.settle(jobId, () => undefined);
  }

  private checkAll(): void {
    for (const jobId of this.waiters.keys()) void this.readJob(jobId, 'connection');
  }

  private async readJob(jobId: string, check: Check): Promise<void> {
    if (!this.waiters.has(jobId)) return;
    try {
      const job = await Job.fromId<unknown, SearchJobResult>(this.queues.search, jobId);
      const state = job ? await job.getState() : 'unknown';
      if (job && state === 'completed')
        return this.settle(jobId, (w) => w.resolve(job.returnvalue));
      if (job && state === 'failed')
        return this.settle(jobId, (w) => w.reject(searchFailure(job.failedReason)));
      if (check === 'final') {
        if (job && state !== 'active') await job.remove().catch(() => undefined);
        const onLate = this.waiters.get(jobId)?.onLate;
        if (job && state === 'active' && onLate) {
          this.late.set(jobId, { onLate, until: Date.now() + this.config.search.timeoutMs });
        }
        this.settle(jobId, (w) => w.reject(searchTimeout(this.config.search.timeoutMs)));
      }
    } catch (err) {
      if (check !== 'midway')
        this.settle(jobId, (w) => w.reject(redisUnavailable('search queue', err)));
    }
  }

  /** The late handler of a job, once; expired entries are dropped on the way. */
  private takeLate(jobId: string): LateResultHandler | undefined {
    const now = Date.now();
    for (const [id, entry] of this.late) {
      if (entry.until < now) this.late.delete(id);
      else break;
    }
    const entry = this.late.get(jobId);
    this.late.delete(jobId);
    return entry && entry.until >= now ? entry.onLate : undefined;
  }

  /** Timed-out searches whose jobs may still deliver (for tests and diagnostics). */
  get lateCount(): number {
    return this.late.size;
  }

  async onApplicationShutdown(): Promise<void> {
    this.late.clear();
    for (const id of [...this.waiters.keys()]) {
      this.settle(id, (w) => w.reject(ApiError.unavailable('the server is shutting down')));
    }
  }
}

export function searchTimeout(timeoutMs: number): ApiError {
  return new ApiError(504, 'timeout', `the search did not finish within ${timeoutMs} ms`);
}
