import { ApiError } from '../common/api-error';
import { decodeJobFailure, type JobFailure } from '../queues/job-failure';
import { circuitOpenAnswer, isCircuitOpenError } from '../resilience/circuit-breaker';
import type { SearchSpec } from '../queues/search-job';

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && key in value
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/**
 * Whether a store error says that the store collection `storeName` does not exist. Matched by
 * the error's name and fields (the LanceDB adapter's CollectionNotFoundError names the
 * collection; Qdrant answers a search of a missing collection 404). A batch may hold searches
 * of several collections: a missing one is not this job's unless it is this job's store.
 */
function isMissingCollection(error: unknown, storeName: string): boolean {
  const name = field(error, 'name');
  if (name === 'CollectionNotFoundError') return field(error, 'collection') === storeName;
  return name === 'QdrantRequestError' && field(error, 'status') === 404;
}

/** What a search job that threw `error` reports to whoever waits for it (worker side). */
export function searchJobFailure(error: unknown, spec: SearchSpec): JobFailure {
  const message = error instanceof Error ? error.message : String(error);
  if (isCircuitOpenError(error)) {
    const dependency = field(error, 'dependency');
    const retryAfterMs = field(error, 'retryAfterMs');
    return {
      code: 'circuit_open',
      message,
      dependency: typeof dependency === 'string' && dependency ? dependency : 'a dependency',
      retryAfterSeconds:
        typeof retryAfterMs === 'number' ? Math.max(1, Math.ceil(retryAfterMs / 1000)) : 5,
    };
  }
  if (isMissingCollection(error, spec.store)) {
    return { code: 'collection_gone', message, collection: spec.collection };
  }
  return { code: 'internal', message };
}

/**
 * A failed search job as the API answers it (API side). The job's own message is the store's
 * or the model's error text, which can name files, hosts and internals: it stays in the
 * worker's log and the job (Bull Board), and the client gets what it can act on.
 */
export function searchFailure(reason: string | undefined): ApiError {
  const failure = decodeJobFailure(reason);
  switch (failure?.code) {
    case 'expired':
      return new ApiError(
        504,
        'timeout',
        'the search waited past its deadline in the queue (overload)',
      );
    case 'circuit_open':
      return circuitOpenAnswer(failure.dependency, failure.retryAfterSeconds);
    case 'collection_gone':
      return ApiError.notFound(`collection '${failure.collection}'`);
    default:
      return ApiError.unavailable(
        'search failed in the vector store or the embedding model; retry shortly (the reason is in the service log)',
      );
  }
}
