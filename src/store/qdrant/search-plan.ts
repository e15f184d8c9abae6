import type { Schemas } from '@qdrant/js-client-rest';
import type { QuantizedSearchMode, SearchHit, SearchRequest } from '../vector-store.port';
import { BM25_VECTOR, querySparseVector, type SparseVector } from './bm25-sparse';
import { DENSE_VECTOR } from './collection-config';
import { HIT_PAYLOAD_FIELDS, toSearchHit } from './qdrant-payload';
import { toQdrantFilter, type QdrantFilter } from './qdrant-filter';
import { fuseReciprocalRank } from '../rrf';

/**
 * Qdrant's own RRF (`fusion: 'rrf'`) scores 1 / (2 + rank) with ranks from 0, that is k = 1 with
 * ranks from 1; the client-side weighted fusion uses the same scale.
 */
const QDRANT_RRF_K_FROM_RANK_1 = 1;

export type QueryRequest = Schemas['QueryRequest'];
export type HybridWeights = { dense: number; bm25: number };

export interface SearchPlanOptions {
  /** hnsw_ef when a request names none (undefined: Qdrant's default, ef_construct). */
  defaultEf?: number;
  /** Candidates fetched from the int8 index per result, then rescored with the originals. */
  oversampling: number;
  /** RRF weights when a hybrid request names none. */
  hybridWeights: HybridWeights;
  /**
   * Each hybrid branch fetches limit × factor candidates before fusing. 1 fuses the top-`limit`
   * dense and BM25 lists, the definition the store contract (and the LanceDB adapter) use.
   */
  prefetchFactor: number;
}

/**
 * Sent to Qdrant a little below the caller's threshold, the exact `score >= threshold` test is
 * then made here: Qdrant reads the threshold as float32 (0.3 becomes 0.3000000119) and does
 * not document whether a score equal to it is kept.
 */
const SERVER_THRESHOLD_SLACK = 1e-6;

/** How one request's hits are made from the batch's responses. */
type Assembly =
  | { kind: 'empty' }
  | { kind: 'direct'; query: number; scoreThreshold?: number }
  | {
      kind: 'fused';
      dense: number | null;
      bm25: number | null;
      weights: HybridWeights;
      limit: number;
      scoreThreshold?: number;
    };

/** The queries of one batch request, and how to turn its responses back into per-request hits. */
export interface SearchPlan {
  queries: QueryRequest[];
  assemblies: Assembly[];
}

export class SearchRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SearchRequestError';
  }
}

/**
 * Plans a list of searches as ONE Query API batch:
 * - dense: a nearest query on `dense` with hnsw_ef / exact / quantization rescoring;
 * - bm25: a nearest query on the sparse `bm25` vector (query term counts; IDF by Qdrant);
 * - hybrid with equal weights: one query, dense and sparse prefetches fused by Qdrant's RRF;
 * - hybrid with unequal weights: the two prefetch queries as two batch entries, fused here by
 *   weighted RRF with Qdrant's constants. Server-side `rrf.weights` exists only on recent
 *   servers (older 1.x reject the `rrf` object), and doing it here keeps one code path for every
 *   1.x server at the cost of two ranked lists in the response instead of one.
 * A query with no searchable term (only stop words) has nothing for BM25 to match: bm25 mode
 * returns no hits without asking, hybrid fuses the dense list alone.
 * In hybrid mode `scoreThreshold` applies to the fused score (the score the caller sees).
 */
export function planSearches(
  requests: readonly SearchRequest[],
  options: SearchPlanOptions,
): SearchPlan {
  const queries: QueryRequest[] = [];
  const add = (query: QueryRequest): number => queries.push(query) - 1;
  const assemblies = requests.map((request): Assembly => {
    const limit = Math.floor(request.limit);
    if (!(limit >= 1)) return { kind: 'empty' };
    const filter = request.filter ? toQdrantFilter(request.filter) : undefined;
    const threshold = request.scoreThreshold;
    switch (request.mode) {
      case 'dense':
        return {
          kind: 'direct',
          query: add(
            denseQuery(requireVector(request), limit, filter, request, options, threshold),
          ),
          scoreThreshold: threshold,
        };
      case 'bm25': {
        if (request.text === undefined)
          throw new SearchRequestError('bm25 search needs query text');
        const sparse = querySparseVector(request.text);
        if (sparse.indices.length === 0) return { kind: 'empty' };
        return {
          kind: 'direct',
          query: add(sparseQuery(sparse, limit, filter, threshold)),
          scoreThreshold: threshold,
        };
      }
      case 'hybrid':
        return planHybrid(request, limit, filter, options, add);
      default:
        throw new SearchRequestError(`unknown search mode '${String(request.mode)}'`);
    }
  });
  return { queries, assemblies };
}

function planHybrid(
  request: SearchRequest,
  limit: number,
  filter: QdrantFilter | undefined,
  options: SearchPlanOptions,
  add: (query: QueryRequest) => number,
): Assembly {
  const vector = requireVector(request);
  const weights = effectiveWeights(request.weights ?? options.hybridWeights);
  const sparse = querySparseVector(request.text ?? '');
  const prefetchLimit = Math.max(limit, Math.ceil(limit * options.prefetchFactor));
  const threshold = request.scoreThreshold;
  const hasTerms = sparse.indices.length > 0;
  if (hasTerms && weights.dense === weights.bm25) {
    const dense = denseQuery(vector, prefetchLimit, filter, request, options, undefined);
    const bm25 = sparseQuery(sparse, prefetchLimit, filter, undefined);
    const query: QueryRequest = {
      prefetch: [stripOutput(dense), stripOutput(bm25)],
      query: { fusion: 'rrf' },
      limit,
      with_payload: HIT_PAYLOAD_FIELDS,
      with_vector: false,
    };
    return { kind: 'direct', query: add(query), scoreThreshold: threshold };
  }
  const dense =
    weights.dense > 0
      ? add(denseQuery(vector, prefetchLimit, filter, request, options, undefined))
      : null;
  const bm25 =
    weights.bm25 > 0 && hasTerms
      ? add(sparseQuery(sparse, prefetchLimit, filter, undefined))
      : null;
  return { kind: 'fused', dense, bm25, weights, limit, scoreThreshold: threshold };
}

/** Negative weights count as 0; if both are 0 the branches count equally. */
function effectiveWeights(weights: HybridWeights): HybridWeights {
  const dense = Math.max(0, weights.dense);
  const bm25 = Math.max(0, weights.bm25);
  return dense === 0 && bm25 === 0 ? { dense: 1, bm25: 1 } : { dense, bm25 };
}

function requireVector(request: SearchRequest): number[] {
  if (!request.vector) throw new SearchRequestError(`${request.mode} search needs a query vector`);
  return Array.from(request.vector);
}

function denseQuery(
  vector: number[],
  limit: number,
  filter: QdrantFilter | undefined,
  request: SearchRequest,
  options: SearchPlanOptions,
  scoreThreshold: number | undefined,
): QueryRequest {
  const ef = request.ef ?? options.defaultEf;
  const exact = request.exact ?? false;
  const query: QueryRequest = {
    query: vector,
    using: DENSE_VECTOR,
    limit,
    params: {
      exact,
      quantization: quantizationParams(exact ? 'ignore' : request.quantization, options),
    },
    with_payload: HIT_PAYLOAD_FIELDS,
    with_vector: false,
  };
  if (ef !== undefined && query.params) query.params.hnsw_ef = Math.max(1, Math.round(ef));
  if (filter) query.filter = filter;
  if (scoreThreshold !== undefined) query.score_threshold = scoreThreshold - SERVER_THRESHOLD_SLACK;
  return query;
}

/**
 * `ignore` searches the float32 originals alone (also what makes `exact` exact: a full scan
 * may otherwise score the int8 copies); `raw` keeps the int8 ranking; `rescore` re-ranks
 * limit × oversampling int8 candidates on the originals. Without quantization Qdrant ignores it.
 */
function quantizationParams(
  mode: QuantizedSearchMode | undefined,
  options: SearchPlanOptions,
): Schemas['QuantizationSearchParams'] {
  switch (mode) {
    case 'ignore':
      return { ignore: true };
    case 'raw':
      return { ignore: false, rescore: false };
    default:
      return { rescore: true, oversampling: options.oversampling };
  }
}

function sparseQuery(
  sparse: SparseVector,
  limit: number,
  filter: QdrantFilter | undefined,
  scoreThreshold: number | undefined,
): QueryRequest {
  const query: QueryRequest = {
    query: sparse,
    using: BM25_VECTOR,
    limit,
    with_payload: HIT_PAYLOAD_FIELDS,
    with_vector: false,
  };
  if (filter) query.filter = filter;
  if (scoreThreshold !== undefined) query.score_threshold = scoreThreshold - SERVER_THRESHOLD_SLACK;
  return query;
}

/** A query used as a prefetch: prefetches have no payload/vector output options. */
function stripOutput(query: QueryRequest): Schemas['Prefetch'] {
  const prefetch: Schemas['Prefetch'] = {
    query: query.query,
    using: query.using,
    limit: query.limit,
  };
  if (query.filter) prefetch.filter = query.filter;
  if (query.params) prefetch.params = query.params;
  return prefetch;
}

/** Turns the batch's responses (in query order) into one hit list per planned request. */
export function assembleResults(
  plan: SearchPlan,
  responses: readonly Schemas['QueryResponse'][],
): SearchHit[][] {
  if (responses.length !== plan.queries.length) {
    throw new SearchRequestError(
      `Qdrant answered ${responses.length} result lists for ${plan.queries.length} queries`,
    );
  }
  const hitsOf = (index: number | null): SearchHit[] =>
    index === null ? [] : responses[index].points.map((point) => toSearchHit(point));
  return plan.assemblies.map((assembly) => {
    switch (assembly.kind) {
      case 'empty':
        return [];
      case 'direct':
        return aboveThreshold(hitsOf(assembly.query), assembly.scoreThreshold);
      case 'fused': {
        const fused = fuseReciprocalRank(
          [
            { items: hitsOf(assembly.dense), weight: assembly.weights.dense },
            { items: hitsOf(assembly.bm25), weight: assembly.weights.bm25 },
          ],
          (hit) => hit.id,
          QDRANT_RRF_K_FROM_RANK_1,
        )
          .slice(0, Math.max(0, assembly.limit))
          .map(({ item, score }) => ({ ...item, score }));
        return aboveThreshold(fused, assembly.scoreThreshold);
      }
    }
  });
}

function aboveThreshold(hits: SearchHit[], threshold: number | undefined): SearchHit[] {
  return threshold === undefined ? hits : hits.filter((hit) => hit.score >= threshold);
}
