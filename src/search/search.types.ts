import type { SearchHit, SearchResponse } from '../contract/search';
import type { Filter } from '../store/filter.types';
import type { SearchMode } from '../store/vector-store.port';

export type { SearchResponse };

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

export interface SearchJobData {
  spec: SearchSpec;
  /** The collection version the search was asked at: the answer reflects every write up to it. */
  version?: number;
  enqueuedAt: number;
}

/** A hit as answered (the wire contract's). */
export type HitView = SearchHit;

export interface SearchJobResult {
  hits: HitView[];
  timings: { queueMs: number; embedMs: number; storeMs: number; batchSize: number };
}

export type CacheTier = SearchResponse['cache'];
