import type { SearchTuning } from '../client/types';
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
   * The search ef measured on the collection's own data (`ragline tune --apply`). Not a
   * creation setting: a repeated PUT with the same settings still matches.
   */
  searchTuning?: SearchTuning;
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
