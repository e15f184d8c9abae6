import { Injectable } from '@nestjs/common';
import { Job, Queue, QueueKeys } from 'bullmq';
import { JobQueues } from '../queues/job-queues';
import { ALL_QUEUES, type QueueName } from '../queues/queue-names';

/** Every queue whose jobs the jobs API shows (all of ragline's). */
export const JOB_QUEUES = ALL_QUEUES;
export type JobQueueName = QueueName;

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
  constructor(private readonly queues: JobQueues) {}

  queue(name: JobQueueName): Queue {
    return this.queues.get(name);
  }

  async find(jobId: string): Promise<FoundJob | null> {
    if (!couldBeJobId(jobId)) return null;
    for (const queue of this.queues.all()) {
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
