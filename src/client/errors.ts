/** Base class of every error the client throws, so callers can catch them all at once. */
export class RaglineError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RaglineError';
  }
}

/** The server answered with a 4xx/5xx status (body `{ error: { code, message, details } }`). */
export class RaglineApiError extends RaglineError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** From `Retry-After`, when the server sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'RaglineApiError';
  }
}

/** No HTTP answer at all: connection refused, DNS failure, reset, or the request timed out. */
export class RaglineNetworkError extends RaglineError {
  constructor(
    readonly url: string,
    readonly reason: 'unreachable' | 'timeout',
    message: string,
    cause?: unknown,
  ) {
    super(message, { cause });
    this.name = 'RaglineNetworkError';
  }
}

/** `waitForJobs` ran out of time; `views` holds the last state seen of every job. */
export class RaglineWaitTimeoutError<V> extends RaglineError {
  constructor(
    message: string,
    readonly views: V[],
  ) {
    super(message);
    this.name = 'RaglineWaitTimeoutError';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Builds the error for a non-2xx answer. A body that is not the API's error shape (a proxy's
 * HTML page, say) still gives a useful message: the status and the start of the body.
 */
export function apiErrorFrom(
  status: number,
  statusText: string,
  bodyText: string,
  retryAfterMs?: number,
): RaglineApiError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    parsed = undefined;
  }
  if (isRecord(parsed) && isRecord(parsed.error)) {
    const { code, message, details } = parsed.error;
    return new RaglineApiError(
      status,
      typeof code === 'string' ? code : `http_${status}`,
      typeof message === 'string' ? message : `HTTP ${status} ${statusText}`.trim(),
      details,
      retryAfterMs,
    );
  }
  const snippet = bodyText.trim().slice(0, 200);
  const message = `HTTP ${status} ${statusText}`.trim() + (snippet ? `: ${snippet}` : '');
  return new RaglineApiError(status, `http_${status}`, message, undefined, retryAfterMs);
}
