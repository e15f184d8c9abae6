/**
 * Errors that mean the caller asked for something wrong (a bad filter or search request, a
 * missing collection, a spec conflict), not that the store is unhealthy. Matched by name,
 * which survives realms and queues where `instanceof` does not.
 */
const CALLER_ERRORS = new Set([
  'FilterValidationError',
  'QdrantFilterError',
  'CollectionNotFoundError',
  'CollectionSpecError',
  'CollectionConflictError',
  'SearchRequestError',
  'PointValidationError',
  'CircuitOpenError',
]);

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && key in value
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/**
 * Whether a store error counts against the store's circuit breaker: I/O errors, timeouts,
 * connection failures, 5xx and 429 answers (and anything unrecognised) do; caller errors and
 * other 4xx answers do not.
 */
export function isStoreOutage(error: unknown): boolean {
  const name = field(error, 'name');
  if (typeof name === 'string' && CALLER_ERRORS.has(name)) return false;
  const status = field(error, 'status');
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return status === 408 || status === 429;
  }
  return true;
}
