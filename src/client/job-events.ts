import type { JobView } from './types';
import type { ServerSentEvent } from './server-sent-events';

/** Most jobs one `GET /v1/jobs?ids=` or `GET /v1/jobs/events?ids=` may name. */
export const MAX_JOB_IDS_PER_REQUEST = 200;

/** One event of `GET /v1/jobs/events` (docs/API.md). */
export type JobStreamEvent =
  /** A job's state: every job's first, and the last of a job found finished (or unknown). */
  | { type: 'state'; job: JobView }
  | { type: 'active'; id: string }
  | { type: 'progress'; id: string; progress: number }
  | { type: 'completed'; job: JobView }
  | { type: 'failed'; job: JobView }
  /** Every job named is final: the server closes the stream. */
  | { type: 'end' };

/** The job event an SSE event carries, or null for one this client does not know. */
export function jobStreamEvent({ event, data }: ServerSentEvent): JobStreamEvent | null {
  const body = JSON.parse(data) as Record<string, unknown>;
  switch (event) {
    case 'state':
    case 'completed':
    case 'failed':
      return { type: event, job: body as unknown as JobView };
    case 'active':
      return { type: 'active', id: String(body.id) };
    case 'progress':
      return { type: 'progress', id: String(body.id), progress: Number(body.progress) };
    case 'end':
      return { type: 'end' };
    default:
      return null;
  }
}
