import { Job } from 'bullmq';
import { CircuitOpenError } from '../resilience/circuit-breaker';

/** The spread of waits grows up to this many cool-offs for a job that keeps meeting an open circuit. */
const MAX_SPREAD_COOLOFFS = 8;

/**
 * How long a job that met an open circuit waits before it runs again: until the circuit may
 * let trial calls through, plus a random spread (so waiting jobs do not all return at once)
 * that doubles with each wait this job has already made, up to 8 cool-offs.
 */
export function circuitWaitMs(
  error: CircuitOpenError,
  previousWaits: number,
  cooldownMs: number,
  random: () => number = Math.random,
): number {
  const spread = cooldownMs * Math.min(2 ** Math.max(0, previousWaits), MAX_SPREAD_COOLOFFS);
  return Math.round(error.retryAfterMs + random() * spread);
}

/** Starts of this job that ended without using an attempt (waits for a circuit or a lock). */
export function waitsSoFar(job: Job): number {
  return Math.max(0, (job.attemptsStarted ?? 0) - job.attemptsMade - 1);
}
