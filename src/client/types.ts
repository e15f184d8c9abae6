/**
 * Request and response bodies of the ragline HTTP API v1 (see API.md), shared by the typed
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
  version: number;
  config: Record<string, unknown>;
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

// ---------------------------------------------------------------- operations

export interface HealthResponse {
  status: string;
  [extra: string]: unknown;
}

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}
