import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { QueueEvents } from 'bullmq';
import { throttledWarning } from '../common/throttled-warning';
import { APP_CONFIG, AppConfig } from '../config/config';
import { createQueueEvents } from './queue-events';
import type { QueueName } from './queue-names';

/** What one job's listeners hear (from BullMQ's queue event stream). */
export type JobEvent =
  | { type: 'active' }
  | { type: 'progress'; progress: unknown }
  | { type: 'completed' }
  | { type: 'failed'; failedReason: string };

export type JobEventListener = (event: JobEvent) => void;

interface QueueListeners {
  events: Promise<QueueEvents>;
  byJob: Map<string, Set<JobEventListener>>;
}

/**
 * One BullMQ QueueEvents listener (one Redis connection) per queue per process, opened when
 * first needed and shared by everything here that follows jobs: search requests waiting for
 * their result and every job event stream. Per-job listeners are kept in a map, so an event
 * costs a lookup whatever the number of streams, and a client never opens a connection.
 */
@Injectable()
export class QueueEventsHub implements OnApplicationShutdown {
  private readonly logger = new Logger('QueueEventsHub');
  private readonly warn = throttledWarning((m) => this.logger.warn(m));
  private readonly queues = new Map<string, QueueListeners>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** The queue's shared listener, ready. */
  events(queue: QueueName): Promise<QueueEvents> {
    return this.listenersOf(queue).events;
  }

  /** Calls `listener` with the job's events until the returned function is called. */
  async subscribe(
    queue: QueueName,
    jobId: string,
    listener: JobEventListener,
  ): Promise<() => void> {
    const entry = this.listenersOf(queue);
    let set = entry.byJob.get(jobId);
    if (!set) entry.byJob.set(jobId, (set = new Set()));
    set.add(listener);
    const unsubscribe = (): void => {
      const current = entry.byJob.get(jobId);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) entry.byJob.delete(jobId);
    };
    try {
      await entry.events;
    } catch (error) {
      unsubscribe();
      throw error;
    }
    return unsubscribe;
  }

  /** Jobs with at least one listener, over all queues (for tests and diagnostics). */
  get followedJobs(): number {
    let n = 0;
    for (const entry of this.queues.values()) n += entry.byJob.size;
    return n;
  }

  private listenersOf(queue: QueueName): QueueListeners {
    let entry = this.queues.get(queue);
    if (!entry) {
      const byJob = new Map<string, Set<JobEventListener>>();
      entry = { byJob, events: this.open(queue, byJob) };
      this.queues.set(queue, entry);
      // A failed start is not kept: the next caller tries again.
      entry.events.catch(() => this.queues.delete(queue));
    }
    return entry;
  }

  private async open(
    queue: QueueName,
    byJob: Map<string, Set<JobEventListener>>,
  ): Promise<QueueEvents> {
    const events = createQueueEvents(this.config, queue, `${queue}-events`);
    const emit = (jobId: string, event: JobEvent): void => {
      const listeners = byJob.get(jobId);
      if (!listeners) return;
      for (const listener of [...listeners]) {
        try {
          listener(event);
        } catch (error) {
          this.warn(`a job event listener failed: ${(error as Error).message}`);
        }
      }
    };
    events.on('error', (err) => this.warn(`${queue} queue events: ${err.message}`));
    events.on('active', ({ jobId }) => emit(jobId, { type: 'active' }));
    events.on('progress', ({ jobId, data }) => emit(jobId, { type: 'progress', progress: data }));
    events.on('completed', ({ jobId }) => emit(jobId, { type: 'completed' }));
    events.on('failed', ({ jobId, failedReason }) => emit(jobId, { type: 'failed', failedReason }));
    try {
      await events.waitUntilReady();
    } catch (error) {
      await events.close().catch(() => undefined);
      throw error;
    }
    return events;
  }

  async onApplicationShutdown(): Promise<void> {
    const open = [...this.queues.values()];
    this.queues.clear();
    await Promise.all(
      open.map((entry) =>
        entry.events.then(
          (events) => events.close(),
          () => undefined,
        ),
      ),
    );
  }
}
