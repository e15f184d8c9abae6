import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Job, Queue, QueueKeys } from 'bullmq';
import { INGEST_QUEUE } from '../ingest/ingest.types';
import { REEMBED_QUEUE } from '../reembed/reembed.types';
import { SEARCH_QUEUE } from '../search/search.constants';
import { SOURCES_QUEUE } from '../sources/sources.types';
import { TUNE_QUEUE } from '../tuning/tune.types';

export const JOB_QUEUES = [
  INGEST_QUEUE,
  SEARCH_QUEUE,
  REEMBED_QUEUE,
  TUNE_QUEUE,
  SOURCES_QUEUE,
] as const;
export type JobQueueName = (typeof JOB_QUEUES)[number];

/** Names BullMQ gives its own keys beside the job hashes (`meta`, `events`, `stalled-check`...). */
const BULLMQ_KEY_NAMES = new Set(Object.keys(new QueueKeys().getKeys('queue')));

/**
 * Whether a job could have this id. A job's hash is read at `<queue>:<id>`, so an id naming
 * one of BullMQ's own keys would read something that is not a job. A job's sub-keys
 * (`<id>:logs`, `<id>:lock`) are not hashes: reading one fails, and find() takes that as
 * "no such job" (ids with ':' are real: a job scheduler's jobs are `repeat:<key>:<time>`).
 */
export function couldBeJobId(id: string): boolean {
  return (
    !BULLMQ_KEY_NAMES.has(id) &&
    !/:(logs|lock|dependencies|processed|failed|unsuccessful)$/.test(id)
  );
}

export interface FoundJob {
  job: Job;
  queue: Queue;
}

/** Finds a job by id in whichever of ragline's queues holds it. */
@Injectable()
export class JobLookup {
  private readonly queues: Map<string, Queue>;

  constructor(
    @InjectQueue(INGEST_QUEUE) ingest: Queue,
    @InjectQueue(SEARCH_QUEUE) search: Queue,
    @InjectQueue(REEMBED_QUEUE) reembed: Queue,
    @InjectQueue(TUNE_QUEUE) tune: Queue,
    @InjectQueue(SOURCES_QUEUE) sources: Queue,
  ) {
    this.queues = new Map([
      [INGEST_QUEUE, ingest],
      [SEARCH_QUEUE, search],
      [REEMBED_QUEUE, reembed],
      [TUNE_QUEUE, tune],
      [SOURCES_QUEUE, sources],
    ]);
  }

  queue(name: JobQueueName): Queue {
    return this.queues.get(name) as Queue;
  }

  async find(jobId: string): Promise<FoundJob | null> {
    if (!couldBeJobId(jobId)) return null;
    for (const queue of this.queues.values()) {
      const job = await Job.fromId(queue, jobId).catch((error: Error) => {
        // A key that is not a job's hash (WRONGTYPE): no job has this id.
        if (/WRONGTYPE/.test(error.message)) return undefined;
        throw error;
      });
      if (job) return { job, queue };
    }
    return null;
  }
}
