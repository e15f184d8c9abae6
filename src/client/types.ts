/**
 * The types of the ragline HTTP API v1 (docs/API.md) as the client uses them: the wire
 * contract's (src/contract, one definition shared with the server), and the few the client
 * adds for what it holds itself.
 */
import type { JobState as ServerJobState, JobView as ServerJobView } from '../contract';

export type {
  ActionRecord,
  CollectionInfo,
  CollectionList,
  CollectionSettings,
  Condition,
  DocumentContent,
  DocumentFormat,
  DocumentPage,
  DocumentView,
  ErrorBody,
  Filter,
  HealthResponse,
  IngestDocument,
  IngestRequest,
  IngestResponse,
  JobRef,
  JobResult,
  ListedDocument,
  Liveness,
  MatchCondition,
  MatchValue,
  PageProblem,
  PerformanceReport,
  RangeCondition,
  Readiness,
  ReembedResponse,
  ReembedResult,
  SearchBatchRequest,
  SearchBatchResponse,
  SearchHit,
  SearchMode,
  SearchRequest,
  SearchResponse,
  SearchTuning,
  SourceCreated,
  SourceRecord,
  SourceSettings,
  SourceType,
  SyncSkipped,
  SyncStarted,
  SyncSummary,
  TuneRecommendation,
  TuneReport,
  TuneRequest,
  TuneRow,
  TuneStarted,
  TuneVariant,
} from '../contract';

/**
 * Server states, plus `unknown`: BullMQ's name for a job that no longer exists, which the
 * client also uses when `GET /v1/jobs/:id` answers 404 while it waits (the job was removed by
 * retention before it was seen finishing).
 */
export type JobState = ServerJobState | 'unknown';

/**
 * A job as the client holds it: the server's view, or, for a job not read yet or no longer
 * known (`unknown`), what the client knows of it (no name or creation time).
 */
export type JobView = Omit<ServerJobView, 'state' | 'name' | 'createdAt'> & {
  state: JobState;
  name?: string;
  createdAt?: string;
};

/** `GET /v1/jobs` as the client reads it. */
export interface JobList {
  jobs: JobView[];
  /** How many jobs are in the state asked for (the server's count). */
  total?: number;
}

export interface JobListQuery {
  state?: JobState;
  queue?: string;
}

/** `PUT /v1/collections/:name` answers 201 when it created the collection, 200 when it existed. */
export interface CreateCollectionResult {
  created: boolean;
  /** The response body, if the server sent one. */
  body?: unknown;
}
