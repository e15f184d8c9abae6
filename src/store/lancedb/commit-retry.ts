/**
 * Lance commits are optimistic: a writer that loses a race either gets rebased and retried
 * inside Lance (merge-insert reports numAttempts) or, when Lance gives up, an error naming the
 * conflict. Every write this adapter makes is idempotent (upsert by id, delete by predicate,
 * index build with replace), so retrying the whole operation after such an error is safe.
 */
const CONFLICT_MESSAGES = [
  /retryable commit conflict/i,
  /commit conflict for version/i,
  /too many concurrent writers/i,
];

export function isCommitConflict(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return CONFLICT_MESSAGES.some((pattern) => pattern.test(message));
}

export interface RetryOptions {
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export async function withCommitRetry<T>(
  operation: () => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 8;
  const base = options.baseDelayMs ?? 25;
  const max = options.maxDelayMs ?? 2000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (attempt >= attempts || !isCommitConflict(error)) throw error;
      // Full jitter, so writers that collided do not collide again in step.
      const ceiling = Math.min(max, base * 2 ** (attempt - 1));
      await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
    }
  }
}
