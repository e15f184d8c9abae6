import type { Filter } from './filter.types';

export type Quantization = 'none' | 'int8';
export type SearchMode = 'dense' | 'bm25' | 'hybrid';

/**
 * How one ANN search of an int8 collection uses its quantized vectors (collections without
 * quantization ignore it):
 * - 'rescore' (the default): candidates from the int8 index, re-ranked on the float32 originals;
 * - 'raw': the int8 index's own ranking and scores, no re-ranking;
 * - 'ignore': the float32 originals only, where the adapter can (see quantizedSearchModes).
 */
export type QuantizedSearchMode = 'rescore' | 'raw' | 'ignore';

export interface CollectionSpec {
  /**
   * A store collection name: lower-case letters, digits, `_`, `-` and `.`. Ragline's own
   * collection names never contain a dot, so `<name>.<suffix>` names a store collection that
   * can never collide with a collection's own name (see re-embedding).
   */
  name: string;
  dimensions: number;
  /** Always cosine: measured here, HNSW + int8 with `dot` returned near-random results on LanceDB. */
  distance: 'cosine';
  hnsw: { m: number; efConstruct: number };
  quantization: Quantization;
  /** Keep a BM25 (full-text / sparse) index beside the dense vectors. */
  hybrid: boolean;
}

/** One stored chunk. `id` is deterministic: UUIDv5(collection, documentId, chunkIndex). */
export interface StoredPoint {
  id: string;
  vector: Float32Array;
  documentId: string;
  chunkIndex: number;
  text: string;
  /** sha256 hex of the chunk text (what was embedded). */
  contentHash: string;
  headingPath: string[];
  start: number;
  end: number;
  metadata: Record<string, unknown>;
}

/** A stored chunk without its vector: everything needed to embed it again elsewhere. */
export type StoredChunk = Omit<StoredPoint, 'vector'>;

export interface StoredChunkRef {
  id: string;
  chunkIndex: number;
  contentHash: string;
}

export interface SearchRequest {
  mode: SearchMode;
  /** Needed for dense and hybrid. */
  vector?: Float32Array;
  /** Needed for bm25 and hybrid. */
  text?: string;
  limit: number;
  filter?: Filter;
  /** HNSW search breadth; ignored where no index exists yet. */
  ef?: number;
  /** Exact (brute force) search: every vector scored in float32, no ANN index, no quantization. */
  exact?: boolean;
  /** int8 collections: how the quantized vectors are used (default 'rescore'). */
  quantization?: QuantizedSearchMode;
  scoreThreshold?: number;
  /** Reciprocal-rank-fusion weights for hybrid (default from the collection). */
  weights?: { dense: number; bm25: number };
}

export interface SearchHit {
  id: string;
  documentId: string;
  chunkIndex: number;
  score: number;
  text: string;
  headingPath: string[];
  metadata: Record<string, unknown>;
}

/** A stored point's id and dense vector (tuning samples stored vectors as its queries). */
export interface SampledPoint {
  id: string;
  vector: Float32Array;
}

export interface StoreCollectionInfo {
  name: string;
  points: number;
  /** Rows written since the last index build / optimize (scanned without the index). */
  unindexedRows: number;
  indexed: boolean;
  /** For people: the ANN index and how it reads a search's `ef`, when there is an index. */
  vectorIndex?: string;
}

/**
 * The port every other part uses to reach vector storage. Adapters: LanceDB (embedded, the
 * default) and Qdrant. One contract suite (testing/vector-store.contract.ts) runs against each.
 */
export interface VectorStore {
  readonly kind: 'lancedb' | 'qdrant';
  /** The QuantizedSearchMode values this adapter can search an int8 collection with. */
  readonly quantizedSearchModes: readonly QuantizedSearchMode[];
  ensureCollection(spec: CollectionSpec): Promise<void>;
  dropCollection(name: string): Promise<void>;
  collectionExists(name: string): Promise<boolean>;
  upsert(collection: string, points: StoredPoint[]): Promise<void>;
  deleteByIds(collection: string, ids: string[]): Promise<void>;
  deleteByFilter(collection: string, filter: Filter): Promise<void>;
  /** The chunks stored for one document, by chunk index. */
  listDocumentChunks(collection: string, documentId: string): Promise<StoredChunkRef[]>;
  /** The whole stored chunks of one document (text, offsets, metadata; no vector), by chunk index. */
  listDocumentPoints(collection: string, documentId: string): Promise<StoredChunk[]>;
  /** One result list per request, in request order. */
  search(collection: string, requests: SearchRequest[]): Promise<SearchHit[][]>;
  count(collection: string, filter?: Filter): Promise<number>;
  /**
   * Up to `count` distinct stored points with their vectors, drawn at random from the whole
   * collection (not its first rows); fewer when it holds fewer.
   */
  sampleVectors(collection: string, count: number): Promise<SampledPoint[]>;
  info(collection: string): Promise<StoreCollectionInfo | null>;
  /**
   * Every stored point, vectors included, in batches (for in-memory serving indexes; only
   * stores whose searches are served from memory have it).
   */
  scanPoints?(collection: string, batchSize: number): AsyncIterable<StoredPoint[]>;
  /** The stored points among `ids` (absent ones are left out), at the latest version. */
  getPoints?(collection: string, ids: readonly string[]): Promise<StoredPoint[]>;
  /** Maintenance: fold unindexed rows into the index, compact, drop old versions. */
  optimize(collection: string): Promise<void>;
  /** Bulk-load mode: defer indexing while a large backlog loads (no-op where not useful). */
  setBulkLoad(collection: string, on: boolean): Promise<void>;
  /** Cheap liveness probe for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const VECTOR_STORE = Symbol('VECTOR_STORE');
