import type { SearchTuning } from '../contract';
import type { Quantization, SearchMode } from '../store/vector-store.port';

export type DocumentFormat = 'text' | 'markdown' | 'html';

export interface CollectionSettings {
  embedder: string;
  dimensions: number;
  hnsw: { m: number; efConstruct: number };
  quantization: Quantization;
  hybrid: boolean;
  defaultMode: SearchMode;
  /** Reciprocal-rank-fusion weights of hybrid search, unless a request sets its own. */
  hybridWeights: { dense: number; bm25: number };
}

export interface CollectionRecord extends CollectionSettings {
  name: string;
  createdAt: string;
  /**
   * The vector-store collection holding the data. Absent: the collection's own name (every
   * collection before its first re-embedding). A re-embedding builds `<name>.<suffix>`.
   */
  storeName?: string;
  /**
   * The search ef measured on the collection's own data (`ragline tune --apply`). Not a
   * creation setting: a repeated PUT with the same settings still matches.
   */
  searchTuning?: SearchTuning;
  /**
   * Set when a delete began (ISO time): the collection is gone to every reader, and the record
   * stays until its store data is dropped, so a delete that failed half-way is repeated, not lost.
   */
  deleting?: string;
}

/** Where a collection's data lives in the vector store. */
export function storeNameOf(record: Pick<CollectionRecord, 'name' | 'storeName'>): string {
  return record.storeName ?? record.name;
}

/**
 * A re-embedding of a collection, from its request until the switch (or the final failure).
 * `queued`: accepted, its job not started (writes go on as usual); `running`: the job has
 * started, and ingest and delete jobs of the collection wait until it ends.
 */
export interface MigrationRecord {
  jobId: string;
  phase: 'queued' | 'running';
  /** The embedder the collection moves to, and its vector size. */
  embedder: string;
  dimensions: number;
  /** The store collection being built. */
  storeName: string;
  requestedAt: string;
}
/**
 * The latest requested state of a document: which submission (by its number) and what it asks
 * for (`upsert:<contentHash>` or `delete:<id>`). A job runs only while it is that state.
 */
export interface DesiredState {
  seq: number;
  target: string;
}

export interface DocumentRecord {
  id: string;
  format: DocumentFormat;
  /** sha256 of format, content and metadata: equal hash means nothing to do. */
  contentHash: string;
  chunks: number;
  metadata: Record<string, unknown>;
  updatedAt: string;
}
