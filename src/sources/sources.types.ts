/** The BullMQ job scheduler of a scheduled source. */
export const schedulerIdOf = (sourceId: string) => `source-${sourceId}`;

export type SourceType = 'sitemap' | 'crawl' | 'urls';

/** What a sync counts; `GET .../sources/:id` shows the last (or running) sync's. */
export interface SyncCounts {
  discovered: number;
  fetched: number;
  /** 304, or fetched with the same extracted content: nothing sent to the pipeline. */
  unchanged: number;
  added: number;
  updated: number;
  deleted: number;
  skipped: number;
  failed: number;
}

export interface PageProblem {
  url: string;
  reason: string;
}

export interface SyncSummary extends SyncCounts {
  state: 'running' | 'completed' | 'failed';
  jobId: string;
  startedAt: string;
  finishedAt?: string;
  /** Whether discovery saw the whole site: only then are pages missing from it deleted. */
  complete?: boolean;
  /** The first failures and skips, with reasons (at most 50 each). */
  failures: PageProblem[];
  skips: PageProblem[];
  /** What the ingest jobs of this sync did, once they have finished. */
  chunks?: { added: number; updated: number; skipped: number; deleted: number };
  /** Time spent discovering and fetching, and waiting for the ingest pipeline. */
  timings?: { fetchMs: number; ingestWaitMs: number; totalMs: number };
  error?: string;
}

/** The result of a sync job that did not run (another sync of the source was running, ...). */
export interface SyncSkipped {
  state: 'skipped';
  reason: string;
}

export interface SourceSettings {
  type: SourceType;
  url?: string;
  urls?: string[];
  include?: string[];
  exclude?: string[];
  maxPages?: number;
  maxDepth?: number;
  schedule?: string;
  headers?: Record<string, string>;
}

export interface SourceRecord extends SourceSettings {
  id: string;
  collection: string;
  createdAt: string;
  lastSync?: SyncSummary;
}

/** What is kept per page between syncs: enough for conditional requests and change checks. */
export interface PageState {
  documentId: string;
  contentHash?: string;
  etag?: string;
  lastModified?: string;
  /** Links found on the page (crawls only), so an unchanged page still leads on. */
  links?: string[];
}

/** What one page came to in the running sync (kept so that a resumed sync skips it). */
export interface PageOutcome {
  result: 'added' | 'updated' | 'unchanged' | 'deleted' | 'skipped' | 'failed';
  documentId?: string;
  /** The ingest or delete job submitted for the page. */
  jobId?: string;
  reason?: string;
  depth?: number;
  links?: string[];
}

/** What is kept per `url` document for conditional re-fetches. */
export interface UrlDocumentState {
  url: string;
  contentHash: string;
  etag?: string;
  lastModified?: string;
}
