import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { Job } from 'bullmq';
import { ApiError } from '../common/api-error';
import { APP_CONFIG, AppConfig } from '../config/config';
import { GoneJobs, GoneJobView } from './gone-jobs';
import { JobLookup, JobQueueName } from './job-lookup';
import { JobView, toJobView } from './job-view';
import { JobEvent, QueueEventsHub } from '../queues/queue-events-hub';
import { SseWriter } from './sse-writer';

type StreamedView = JobView | GoneJobView | { id: string; state: 'unknown' };

/** Every this many heartbeats, unfinished jobs are read again (an event missed while the listener reconnected). */
const RESYNC_EVERY_HEARTBEATS = 4;

const isFinal = (view: StreamedView): boolean =>
  view.state === 'completed' || view.state === 'failed' || view.state === 'unknown';

interface Followed {
  queue?: JobQueueName;
  /** Its final state was sent. */
  final: boolean;
  /** Its final state is being read: later events are ignored. */
  finishing: boolean;
  /** Events heard before the stream started (the snapshot is sent first). */
  early: JobEvent[];
}

/**
 * One client's stream of job events: the state of every job first, then `active`,
 * `progress`, `completed` and `failed` as they happen, and `end` once every job is final.
 */
export class JobEventStream {
  private readonly followed = new Map<string, Followed>();
  private readonly unsubscribes: Array<() => void> = [];
  private readonly snapshot: StreamedView[] = [];
  private writer?: SseWriter;
  private heartbeat?: NodeJS.Timeout;
  private beats = 0;
  private closed = false;

  constructor(
    private readonly ids: readonly string[],
    private readonly internals: boolean,
    private readonly deps: {
      lookup: JobLookup;
      gone: GoneJobs;
      hub: QueueEventsHub;
      heartbeatMs: number;
      onClosed: () => void;
    },
  ) {}

  /**
   * Subscribes to every job's events, then reads its state (an event between the two is
   * buffered, and a job finished before the client came shows as finished). Throws before
   * anything is sent, so a failure here is an ordinary error answer.
   */
  async prepare(): Promise<void> {
    try {
      await Promise.all(this.ids.map((id) => this.prepareJob(id)));
    } catch (error) {
      this.close();
      throw error;
    }
  }

  private async prepareJob(id: string): Promise<void> {
    const found = await this.deps.lookup.find(id);
    if (!found) {
      const gone = await this.deps.gone.view(id, { internals: this.internals });
      this.followed.set(id, { final: true, finishing: true, early: [] });
      this.snapshot.push(gone ?? { id, state: 'unknown' });
      return;
    }
    const entry: Followed = {
      queue: found.queue.name as JobQueueName,
      final: false,
      finishing: false,
      early: [],
    };
    this.followed.set(id, entry);
    const unsubscribe = await this.deps.hub.subscribe(entry.queue as JobQueueName, id, (event) => {
      if (this.writer) this.onEvent(id, event);
      else entry.early.push(event);
    });
    // Another job's lookup may have failed meanwhile, closing the stream.
    if (this.closed) return unsubscribe();
    this.unsubscribes.push(unsubscribe);
    const view = await toJobView(found.job, found.queue, { internals: this.internals });
    if (isFinal(view)) entry.final = entry.finishing = true;
    this.snapshot.push(view);
  }

  /** Sends the states, then what was heard meanwhile; ends at once if every job is final. */
  start(writer: SseWriter, headers: Record<string, string | string[] | number | undefined>): void {
    this.writer = writer;
    writer.onClose(() => this.close());
    if (this.closed) return;
    writer.open(headers);
    const order = new Map(this.ids.map((id, i) => [id, i]));
    this.snapshot.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
    for (const view of this.snapshot) writer.event('state', view);
    this.snapshot.length = 0;
    for (const [id, entry] of this.followed) {
      for (const event of entry.early.splice(0)) this.onEvent(id, event);
    }
    this.heartbeat = setInterval(() => this.beat(), this.deps.heartbeatMs);
    this.endIfAllFinal();
  }

  private beat(): void {
    this.writer?.comment('heartbeat');
    if (++this.beats % RESYNC_EVERY_HEARTBEATS === 0) {
      for (const [id, entry] of this.followed) {
        if (!entry.finishing) void this.readFinal(id, entry, false);
      }
    }
  }

  private onEvent(id: string, event: JobEvent): void {
    const entry = this.followed.get(id);
    if (!entry || entry.finishing || !this.writer) return;
    switch (event.type) {
      case 'active':
        this.writer.event('active', { id });
        break;
      case 'progress':
        if (typeof event.progress === 'number' && !this.writer.congested) {
          this.writer.event('progress', {
            id,
            progress: Math.max(0, Math.min(100, event.progress)),
          });
        }
        break;
      case 'completed':
      case 'failed':
        void this.readFinal(id, entry, true);
        break;
    }
  }

  /**
   * Reads a job that finished (`known`: an event said so) or may have, and sends it as a
   * `completed` or `failed` event with its result or reason.
   */
  private async readFinal(id: string, entry: Followed, known: boolean): Promise<void> {
    if (known) entry.finishing = true;
    let view: StreamedView;
    try {
      const queue = this.deps.lookup.queue(entry.queue as JobQueueName);
      const job = await Job.fromId(queue, id);
      view = job
        ? await toJobView(job, queue, { internals: this.internals })
        : ((await this.deps.gone.view(id, { internals: this.internals })) ?? {
            id,
            state: 'unknown',
          });
    } catch {
      // Redis unreadable: the next resync tries again (an event-announced end is kept).
      if (!known) return;
      view = { id, state: 'unknown' };
    }
    if (!isFinal(view)) {
      // Retried at once after the event, say: the next event or resync tells what follows.
      if (known) entry.finishing = false;
      return;
    }
    if (entry.final) return;
    entry.final = entry.finishing = true;
    this.writer?.event(view.state === 'unknown' ? 'state' : view.state, view);
    this.endIfAllFinal();
  }

  private endIfAllFinal(): void {
    for (const entry of this.followed.values()) if (!entry.final) return;
    this.writer?.event('end', { jobs: this.followed.size });
    this.writer?.end();
    this.close();
  }

  /** Ends the stream without its `end` event (the server stops): the client reads again. */
  abandon(): void {
    this.writer?.end();
    this.close();
  }

  /** Drops every listener and timer; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    this.deps.onClosed();
  }
}

/** Opens job event streams, at most RAGLINE_JOB_STREAMS_MAX at once in this process. */
@Injectable()
export class JobEventStreams implements BeforeApplicationShutdown {
  private readonly streams = new Set<JobEventStream>();

  constructor(
    private readonly lookup: JobLookup,
    private readonly gone: GoneJobs,
    private readonly hub: QueueEventsHub,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  get openStreams(): number {
    return this.streams.size;
  }

  /** A prepared stream, or 503 when this process already serves as many as allowed. */
  async create(ids: readonly string[], internals: boolean): Promise<JobEventStream> {
    if (this.streams.size >= this.config.jobs.maxStreams) {
      throw ApiError.unavailable(
        `this server already serves ${this.config.jobs.maxStreams} job event streams; retry shortly or read GET /v1/jobs?ids=`,
      );
    }
    const stream: JobEventStream = new JobEventStream(ids, internals, {
      lookup: this.lookup,
      gone: this.gone,
      hub: this.hub,
      heartbeatMs: this.config.jobs.heartbeatMs,
      onClosed: () => this.streams.delete(stream),
    });
    this.streams.add(stream);
    await stream.prepare();
    return stream;
  }

  /** Open streams would keep the HTTP server from closing: they end first. */
  beforeApplicationShutdown(): void {
    for (const stream of [...this.streams]) stream.abandon();
  }
}
