import {
  QdrantClientResourceExhaustedError,
  QdrantClientTimeoutError,
} from '@qdrant/js-client-rest';

export interface RetryPolicy {
  /** Retries after the first attempt (0 = try once). */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  retries: 4,
  baseDelayMs: 200,
  maxDelayMs: 5000,
};

/** Upper bound on a server-requested wait (429 Retry-After), so a call never hangs for long. */
const MAX_RETRY_AFTER_MS = 30_000;

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** A failed Qdrant call, after retries: says which operation, the HTTP status and Qdrant's reason. */
export class QdrantRequestError extends Error {
  constructor(
    readonly operation: string,
    readonly status: number | undefined,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Qdrant ${operation} failed${status === undefined ? '' : ` (HTTP ${status})`}: ${detail}`,
      options,
    );
    this.name = 'QdrantRequestError';
  }
}

/** The HTTP status of a client error (the client throws its fetcher's ApiError for non-2xx). */
export function httpStatusOf(error: unknown): number | undefined {
  if (error instanceof QdrantRequestError) return error.status;
  if (error instanceof QdrantClientResourceExhaustedError) return 429;
  const status = field(error, 'status');
  return typeof status === 'number' ? status : undefined;
}

/**
 * A request that used its whole time budget. Matched by name too: Node's fetch creates its
 * errors in Node's own realm, where `instanceof` checks against another realm's classes (as
 * under jest) fail, and the client then passes the AbortError through unconverted.
 */
export function isTimeoutError(error: unknown): boolean {
  if (error instanceof QdrantClientTimeoutError) return true;
  const name = field(error, 'name');
  return name === 'AbortError' || name === 'TimeoutError';
}

/**
 * Worth retrying: 5xx, 429 and connection-level failures (refused, reset, DNS). Not timeouts:
 * a request that used its whole time budget is not retried, or one call could take minutes.
 */
export function isTransientError(error: unknown): boolean {
  const status = httpStatusOf(error);
  if (status !== undefined) return status === 429 || status >= 500;
  if (isTimeoutError(error)) return false;
  // Node's fetch reports every connection failure as TypeError('fetch failed') with the cause.
  if (field(error, 'name') === 'TypeError' && field(error, 'message') === 'fetch failed')
    return true;
  return hasConnectionErrorCode(error, 0);
}

function hasConnectionErrorCode(error: unknown, depth: number): boolean {
  if (depth > 4) return false;
  const code = field(error, 'code');
  if (typeof code === 'string' && CONNECTION_ERROR_CODES.has(code)) return true;
  const cause = field(error, 'cause');
  return cause !== undefined && hasConnectionErrorCode(cause, depth + 1);
}

/** A property of an error-like object, without relying on `instanceof` (see isTimeoutError). */
function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && key in value
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/** Exponential backoff with jitter, or the server's Retry-After when it sent one. */
export function retryDelayMs(error: unknown, attempt: number, policy: RetryPolicy): number {
  if (error instanceof QdrantClientResourceExhaustedError && error.retry_after > 0) {
    return Math.min(error.retry_after * 1000, MAX_RETRY_AFTER_MS);
  }
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** Qdrant's own reason (`status.error` of its error body) or the error's message and cause. */
export function describeError(error: unknown): string {
  if (isTimeoutError(error)) return `timed out (${String(field(error, 'message'))})`;
  const data = field(error, 'data');
  const reason = field(field(data, 'status'), 'error');
  if (typeof reason === 'string') return reason;
  if (typeof data === 'string' && data.length > 0) return data.slice(0, 500);
  const message = field(error, 'message');
  if (typeof message !== 'string') return String(error);
  const causeMessage = field(field(error, 'cause'), 'message');
  return typeof causeMessage === 'string' ? `${message} (${causeMessage})` : message;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs one Qdrant call, retrying transient failures with backoff. Every adapter call is safe to
 * repeat: upserts carry deterministic ids, deletes and index creation are idempotent.
 */
export async function withRetry<T>(
  operation: string,
  call: () => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  options: { retryTimeout?: boolean } = {},
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      // A timed-out idempotent write is sent once more (it may have reached only some
      // replicas); more would let one call take minutes.
      const retryable =
        isTransientError(error) ||
        (!!options.retryTimeout && attempt === 0 && isTimeoutError(error));
      if (attempt < policy.retries && retryable) {
        await sleep(retryDelayMs(error, attempt, policy));
        continue;
      }
      throw new QdrantRequestError(operation, httpStatusOf(error), describeError(error), {
        cause: error,
      });
    }
  }
}
