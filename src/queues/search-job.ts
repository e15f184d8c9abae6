import type { SearchHit } from '../contract/search';
import type { Filter } from '../store/filter.types';
import type { SearchMode } from '../store/vector-store.port';

/** A normalised search, as cached and as sent to the search worker. */
export interface SearchSpec {
  collection: string;
  /** The store collection holding the collection's data (changes with a re-embedding). */
  store: string;
  embedder: string;
  query: string;
  mode: SearchMode;
  limit: number;
  filter?: Filter;
  ef?: number;
  exact?: boolean;
  weights?: { dense: number; bm25: number };
  scoreThreshold?: number;
  /** One entry per document, its best chunks inside. */
  groupBy?: 'document';
  /** Hits (or, grouped, documents) skipped before the first one answered. */
  offset?: number;
  /** The collection's tuned ef (set only for tuned collections; a request's ef wins). */
  tunedEf?: { ef: number; floorEf: number };
}

/** A job of the search queue. */
export interface SearchJobData {
  spec: SearchSpec;
  /** The collection version the search was asked at: the answer reflects every write up to it. */
  version?: number;
  enqueuedAt: number;
}

export interface SearchJobResult {
  /** The hits as answered (the wire contract's). */
  hits: SearchHit[];
  timings: { queueMs: number; embedMs: number; storeMs: number; batchSize: number };
}
