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
  /** The collection's tuned ef (set only for tuned collections; a request's ef wins). */
  tunedEf?: { ef: number; floorEf: number };
}

export interface SearchJobData {
  spec: SearchSpec;
  enqueuedAt: number;
}

export interface HitView {
  id: string;
  documentId: string;
  chunkIndex: number;
  score: number;
  text: string;
  headingPath: string[];
  metadata: Record<string, unknown>;
}

export interface SearchJobResult {
  hits: HitView[];
  timings: { queueMs: number; embedMs: number; storeMs: number; batchSize: number };
}

export type CacheTier = 'l1' | 'l2' | 'miss';

export interface SearchResponse {
  hits: HitView[];
  cache: CacheTier;
  version: number;
  took: { totalMs: number; queueMs?: number; embedMs?: number; storeMs?: number };
}
