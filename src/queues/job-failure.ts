import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';

/**
 * Why a job failed, as it crosses the queue: a code the reading side can branch on, the facts
 * it needs for its answer, and the original message (for the log, Bull Board and admins).
 * BullMQ carries only a failed job's message (`failedReason`, also in the `failed` event), so
 * the failure is encoded into that message here and decoded here, nowhere else.
 */
export type JobFailure =
  /** Dropped unrun: the job waited in the queue past the deadline of whoever waited for it. */
  | { code: 'expired'; message: string }
  /** A dependency's circuit breaker is open: retry after the given time. */
  | { code: 'circuit_open'; message: string; dependency: string; retryAfterSeconds: number }
  /** The collection the job was for no longer exists (deleted meanwhile). */
  | { code: 'collection_gone'; message: string; collection: string }
  /** Anything else: the store, the model, a bug. */
  | { code: 'internal'; message: string };

export type JobFailureCode = JobFailure['code'];

const jobFailureSchema = z.discriminatedUnion('code', [
  z.object({ code: z.literal('expired'), message: z.string() }),
  z.object({
    code: z.literal('circuit_open'),
    message: z.string(),
    dependency: z.string().min(1),
    retryAfterSeconds: z.number().int().positive(),
  }),
  z.object({
    code: z.literal('collection_gone'),
    message: z.string(),
    collection: z.string().min(1),
  }),
  z.object({ code: z.literal('internal'), message: z.string() }),
]);

/** Marks an encoded reason, so that a reason from elsewhere is never mistaken for one. */
const MARK = 'ragline-job-failure ';

/** The failedReason BullMQ will store for `failure`. */
export function encodeJobFailure(failure: JobFailure): string {
  return MARK + JSON.stringify(failure);
}

/**
 * The error a processor throws to fail its job with `failure`. `retry: false` (default) fails
 * it for good, whatever attempts it has left.
 */
export function jobFailureError(failure: JobFailure, { retry = false } = {}): Error {
  const reason = encodeJobFailure(failure);
  return retry ? new Error(reason) : new UnrecoverableError(reason);
}

/** The failure encoded in a job's failedReason; null for any other reason (or none). */
export function decodeJobFailure(reason: string | undefined): JobFailure | null {
  if (!reason?.startsWith(MARK)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(reason.slice(MARK.length));
  } catch {
    return null;
  }
  const parsed = jobFailureSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

/** A failedReason as people read it: the original message of an encoded failure. */
export function jobFailureText(reason: string): string {
  return decodeJobFailure(reason)?.message ?? reason;
}
