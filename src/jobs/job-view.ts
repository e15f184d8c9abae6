import { Job, Queue } from 'bullmq';
import { publicText } from '../common/public-text';
import type { JobResult } from '../contract/jobs';
import { jobFailureText } from '../queues/job-failure';

/** What a non-admin caller reads instead of a failure reason that reveals internals. */
export const WITHHELD_FAILURE =
  'failed inside the service (an internal error); the details are in the service log and in the admin views';

export type JobState = 'waiting' | 'active' | 'completed' | 'failed' | 'delayed';

export interface JobView {
  id: string;
  queue: string;
  name: string;
  state: JobState;
  progress: number;
  attempts: number;
  collection?: string;
  documentId?: string;
  result?: JobResult | null;
  failedReason?: string;
  createdAt: string;
  finishedAt?: string;
}

function publicState(state: string): JobState {
  switch (state) {
    case 'active':
    case 'completed':
    case 'failed':
    case 'delayed':
      return state;
    default:
      return 'waiting';
  }
}

function progressOf(job: Job, state: JobState): number {
  if (state === 'completed') return 100;
  const p = job.progress;
  return typeof p === 'number' ? Math.max(0, Math.min(100, p)) : 0;
}

/**
 * The view of a job read from `source`. `internals`: the failure reason as recorded (admin
 * callers); otherwise a reason that reveals internals (paths, driver text) is withheld.
 */
export async function toJobView(
  read: Job,
  source: Queue,
  { internals }: { internals: boolean },
): Promise<JobView> {
  const queue = source.name;
  const state = publicState(await read.getState());
  // The job was read before its state was asked: if it finished in between, the copy in hand
  // has no result or failure reason yet (the view would say completed with result null, or
  // failed without a reason), so read it again.
  const job =
    (state === 'completed' || state === 'failed') && !read.finishedOn
      ? ((await Job.fromId(source, String(read.id))) ?? read)
      : read;
  const data = (job.data ?? {}) as { collection?: string; documentId?: string };
  return {
    id: String(job.id),
    queue,
    name: job.name,
    state,
    progress: progressOf(job, state),
    attempts: job.attemptsMade,
    collection: data.collection,
    documentId: data.documentId,
    result: state === 'completed' ? job.returnvalue : undefined,
    failedReason: job.failedReason
      ? internals
        ? jobFailureText(job.failedReason)
        : publicText(jobFailureText(job.failedReason), WITHHELD_FAILURE)
      : undefined,
    createdAt: new Date(job.timestamp).toISOString(),
    finishedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : undefined,
  };
}
