/**
 * Request and response bodies of the ragline HTTP API v1 (see docs/API.md), shared by the typed
 * client, the CLI and, where useful, the server.
 */
import type { Filter } from '../store/filter.types';

export type {
  Condition,
  Filter,
  MatchCondition,
  MatchValue,
  RangeCondition,
} from '../store/filter.types';
export type { ActionRecord, PerformanceReport } from '../monitor/performance-report';

export type SearchMode = 'dense' | 'bm25' | 'hybrid';

// ---------------------------------------------------------------- collections

export interface CollectionSettings {
  embedder?: string;
  hnsw?: { m?: number; efConstruct?: number };
  quantization?: 'none' | 'int8';
  /** Default true. */
  hybrid?: boolean;
  defaultMode?: SearchMode;
}

export interface CollectionSummary {
  name: string;
  documents: number;
  chunks: number;
  [extra: string]: unknown;
}

export interface CollectionList {
  collections: CollectionSummary[];
}

export interface CollectionInfo {
  name: string;
  documents: number;
  chunks: number;
  dimensions: number;
  embedder: string;
  store: string;
  /** The collection in the vector store that holds the data (changes with a re-embedding). */
  storeCollection?: string;
  version: number;
  config: Record<string, unknown>;
  /** A re-embedding underway (searches use `embedder` until it switches). */
  reembedding?: {
    jobId: string;
    embedder: string;
    state: 'queued' | 'running';
    storeCollection: string;
  };
  [extra: string]: unknown;
}

/** `POST /v1/collections/:name/reembed`: 202 with a job, or 200 (`unchanged`) without one. */
export interface ReembedResponse {
  job: { id: string } | null;
  collection: string;
  from: string;
  to: string;
  /** `queued`: a new job; `running`: the same re-embedding was already underway. */
  status: 'queued' | 'running' | 'unchanged';
}

/** The result of a completed re-embed job. */
export interface ReembedResult {
  collection: string;
  from: string;
  to: string;
  dimensions: number;
  /** The store collection that now holds the data. */
  storeName: string;
  documents: number;
  chunks: number;
  /** The collection's version after the switch. */
  version: number;
  timings?: Record<string, number>;
  [extra: string]: unknown;
}

/** `PUT /v1/collections/:name` answers 201 when it created the collection, 200 when it existed. */
export interface CreateCollectionResult {
  created: boolean;
  /** The response body, if the server sent one. */
  body?: unknown;
}

// ---------------------------------------------------------------- documents

export type DocumentFormat = 'text' | 'markdown' | 'html' | 'url';

/** Exactly one of `text`, `markdown`, `html`, `url`. */
export type DocumentContent =
  | { text: string; markdown?: never; html?: never; url?: never }
  | { markdown: string; text?: never; html?: never; url?: never }
  | { html: string; text?: never; markdown?: never; url?: never }
  | { url: string; text?: never; markdown?: never; html?: never };

export type IngestDocument = { id: string; metadata?: Record<string, unknown> } & DocumentContent;

export interface IngestRequest {
  documents: IngestDocument[];
}

export interface JobRef {
  id: string;
  documentId: string;
}

export interface IngestResponse {
  jobs: JobRef[];
}

export interface DocumentView {
  id: string;
  chunks: number;
  contentHash: string;
  updatedAt: string | number;
  metadata: Record<string, unknown>;
  [extra: string]: unknown;
}

/** `GET /v1/collections/:name/documents`: a page in id order and the cursor of the next. */
export interface DocumentPage {
  documents: DocumentView[];
  nextCursor: string | null;
}

// ---------------------------------------------------------------- jobs

/**
 * Server states, plus `unknown`: BullMQ's name for a job that no longer exists, which the
 * client also uses when `GET /v1/jobs/:id` answers 404 while it waits (the job was removed by
 * retention before it was seen finishing).
 */
export type JobState = 'waiting' | 'active' | 'completed' | 'failed' | 'delayed' | 'unknown';

export interface JobResult {
  chunksAdded: number;
  chunksUpdated: number;
  chunksSkipped: number;
  chunksDeleted: number;
  timings?: Record<string, number>;
  [extra: string]: unknown;
}

export interface JobView {
  id: string;
  queue: string;
  state: JobState;
  /** 0..100 */
  progress: number;
  attempts: number;
  /** An ingest job's result; a re-embed job (queue `reembed`) carries a ReembedResult. */
  result?: JobResult;
  failedReason?: string;
  [extra: string]: unknown;
}

export interface JobListQuery {
  state?: JobState;
  queue?: string;
}

export interface JobList {
  jobs: JobView[];
}

// ---------------------------------------------------------------- search

export interface SearchRequest {
  query: string;
  /** Default 10, max 100. */
  limit?: number;
  filter?: Filter;
  mode?: SearchMode;
  params?: { ef?: number; exact?: boolean };
  scoreThreshold?: number;
}

export interface SearchHit {
  id: string;
  documentId: string;
  chunkIndex: number;
  score: number;
  text: string;
  metadata: Record<string, unknown>;
}

export interface SearchResponse {
  hits: SearchHit[];
  cache: 'l1' | 'l2' | 'miss';
  version: number;
  took: { totalMs: number; queueMs?: number; embedMs?: number; storeMs?: number };
}

export interface SearchBatchRequest {
  searches: SearchRequest[];
}

export interface SearchBatchResponse {
  results: SearchResponse[];
}

// ---------------------------------------------------------------- sources

export type {
  PageProblem,
  SourceRecord,
  SourceSettings,
  SourceType,
  SyncSkipped,
  SyncSummary,
} from '../sources/sources.types';

/** `202` answer of a sync request (and, with the source, of creating one). */
export interface SyncStarted {
  job: { id: string; queue: string };
  /** True when a sync of this source was already waiting or running: this is that job. */
  alreadyRunning: boolean;
}

// ---------------------------------------------------------------- tuning

/** Body of `POST /v1/admin/collections/:name/tune`; every field is optional. */
export interface TuneRequest {
  /** Stored points sampled as queries (default 200, 10..2000). */
  samples?: number;
  /** `ef` values to measure (default 16, 32, 64, 128, 256; at most 8, each 1..4096). */
  ef?: number[];
  /** recall@10 the recommended ef must reach (default 0.99). */
  target?: number;
  /** Lowest recall@10 the optimizer may trade down to under load (default 0.95, <= target). */
  floor?: number;
  /** Store the recommendation on the collection when there is one (default false). */
  apply?: boolean;
}

/** `202` answer of a tune request: the job to follow with `GET /v1/jobs/:id`. */
export interface TuneStarted {
  job: { id: string; queue: string };
  /** True when a tune of this collection was already waiting or running: this is that job. */
  alreadyRunning: boolean;
}

/**
 * How a row's searches used an int8 collection's quantized vectors: `rescore` (int8 candidates
 * re-ranked on the float32 originals, what searches use), `raw` (int8 ranking only), `ignore`
 * (float32 originals only, Qdrant); `none` for a collection without quantization.
 */
export type TuneVariant = 'none' | 'rescore' | 'raw' | 'ignore';

export interface TuneRow {
  variant: TuneVariant;
  ef: number;
  /** Mean recall@10 against exact search. */
  recall: number;
  /** 5th percentile of the per-query recall: 95% of the queries got at least this. */
  recallP5: number;
  p50Ms: number;
  p95Ms: number;
  /** Sequential searches per second. */
  qps: number;
}

export interface TuneRecommendation {
  /** The smallest measured ef whose recall@10 reaches the target (searches' own variant). */
  ef: number;
  recall: number;
  p50Ms: number;
  p95Ms: number;
  /** The smallest measured ef (<= ef) whose recall@10 reaches the floor. */
  floorEf: number;
  floorRecall: number;
}

/** A collection's tuned search breadth, as stored on it by `apply`. */
export interface SearchTuning {
  /** The ef searches of this collection use unless a request gives its own. */
  ef: number;
  /** Under load the optimizer lowers ef in proportion, never below this. */
  floorEf: number;
  target: number;
  floor: number;
  /** recall@10 measured at ef. */
  recall: number;
  samples: number;
  tunedAt: string;
}

export interface TuneReport {
  collection: string;
  store: 'lancedb' | 'qdrant';
  quantization: 'none' | 'int8';
  /** `no-index`: searches are exact scans, ef changes nothing; `too-small`: nothing to sample. */
  status: 'measured' | 'no-index' | 'too-small';
  /** One line for people: the recommendation, or why there is none. */
  summary: string;
  points: number;
  /** Points actually sampled as queries. */
  samples: number;
  k: number;
  target: number;
  floor: number;
  /** The ANN index and how it reads ef, from the store. */
  vectorIndex?: string;
  /** Rows not in the ANN index yet (scanned exactly, which flatters recall). */
  unindexedRows: number;
  /** What exact search costs (the truth's own searches). */
  exact: { p50Ms: number; p95Ms: number; qps: number } | null;
  /** The variant searches of this collection use; the recommendation is made on its rows. */
  searchVariant: TuneVariant;
  rows: TuneRow[];
  recommendation: TuneRecommendation | null;
  notes: string[];
  /** What was stored on the collection, when `apply` was asked and there was a recommendation. */
  applied: SearchTuning | null;
  measuredAt: string;
  durationMs: number;
}

// ---------------------------------------------------------------- operations

export interface HealthResponse {
  status: string;
  [extra: string]: unknown;
}

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}
