import { mapWithConcurrency, sleep } from './concurrency';
import {
  apiErrorFrom,
  RaglineApiError,
  RaglineError,
  RaglineNetworkError,
  RaglineWaitTimeoutError,
} from './errors';
import { parseRetryAfter } from './retry-after';
import type {
  CollectionInfo,
  CollectionList,
  CollectionSettings,
  CreateCollectionResult,
  DocumentPage,
  DocumentView,
  HealthResponse,
  IngestDocument,
  IngestResponse,
  JobList,
  JobListQuery,
  JobRef,
  JobView,
  ListedDocument,
  PerformanceReport,
  ReembedResponse,
  SearchBatchResponse,
  SearchRequest,
  SearchResponse,
  SourceRecord,
  SourceSettings,
  SyncSkipped,
  SyncStarted,
  SyncSummary,
  TuneReport,
  TuneRequest,
  TuneStarted,
} from './types';

export interface RetryOptions {
  /** How many times a 429/503 answer carrying `Retry-After` is retried. Default 3; 0 disables. */
  maxRetries?: number;
  /** A `Retry-After` longer than this is not waited for: the error is thrown. Default 60 000. */
  maxDelayMs?: number;
}

export interface RaglineClientOptions {
  /** e.g. `http://127.0.0.1:3000` (a trailing slash or path prefix is fine). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <key>`. */
  apiKey?: string;
  /** Per HTTP attempt. Default 30 000. */
  timeoutMs?: number;
  retry?: RetryOptions;
}

export interface WaitForJobsOptions {
  /** Pause between polling rounds. Default 500. */
  pollMs?: number;
  /** Give up (RaglineWaitTimeoutError) after this long. Default: no limit. */
  timeoutMs?: number;
  /** Jobs polled at once. Default 8. */
  concurrency?: number;
  /**
   * Jobs polled per round: the oldest unfinished ones, in the order given (queues run roughly
   * first in, first out). Bounds the load a large wait puts on the API. Default 256.
   */
  maxPerRound?: number;
  /** Polling rounds in a row that may fail (network, 5xx) before the error is thrown. Default 5. */
  maxConsecutiveErrors?: number;
  /** Called after every round with the number of finished jobs and the latest view of each. */
  onProgress?: (done: number, total: number, views: JobView[]) => void;
}

export interface WaitForTuneOptions {
  /** Pause between polls. Default 1000. */
  pollMs?: number;
  /** Give up (RaglineWaitTimeoutError) after this long. Default: no limit. */
  timeoutMs?: number;
  /** Called after every poll with the job's progress (0..100) and state. */
  onProgress?: (progress: number, view: JobView) => void;
}

interface RequestSpec {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
}

interface RawResponse {
  status: number;
  body: unknown;
}

const TERMINAL_STATES: ReadonlySet<string> = new Set(['completed', 'failed', 'unknown']);

export function isFinishedJob(view: JobView): boolean {
  return TERMINAL_STATES.has(view.state);
}

const seg = encodeURIComponent;

/** Typed client of the ragline HTTP API v1 (docs/API.md), over the global `fetch` of Node 20. */
export class RaglineClient {
  readonly baseUrl: string;
  private readonly apiKey?: string;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly maxRetryDelayMs: number;

  constructor(options: RaglineClientOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.baseUrl);
    } catch {
      throw new TypeError(`baseUrl is not a URL: ${JSON.stringify(options.baseUrl)}`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new TypeError(`baseUrl must be http(s): ${options.baseUrl}`);
    }
    this.baseUrl = parsed.toString().replace(/\/+$/, '');
    this.apiKey = options.apiKey || undefined;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxRetries = Math.max(0, options.retry?.maxRetries ?? 3);
    this.maxRetryDelayMs = options.retry?.maxDelayMs ?? 60_000;
  }

  // ------------------------------------------------------------ collections

  async createCollection(
    name: string,
    settings: CollectionSettings = {},
  ): Promise<CreateCollectionResult> {
    const res = await this.send({
      method: 'PUT',
      path: `/v1/collections/${seg(name)}`,
      body: settings,
    });
    return { created: res.status === 201, body: res.body };
  }

  getCollection(name: string): Promise<CollectionInfo> {
    return this.json<CollectionInfo>({ method: 'GET', path: `/v1/collections/${seg(name)}` });
  }

  listCollections(): Promise<CollectionList> {
    return this.json<CollectionList>({ method: 'GET', path: '/v1/collections' });
  }

  async deleteCollection(name: string): Promise<void> {
    await this.send({ method: 'DELETE', path: `/v1/collections/${seg(name)}` });
  }

  /**
   * Moves a collection to another embedder (admin scope). Follow the job with `getJob` or
   * `waitForJobs`; a completed job's `result` is a ReembedResult.
   */
  reembed(collection: string, embedder: string): Promise<ReembedResponse> {
    return this.json<ReembedResponse>({
      method: 'POST',
      path: `/v1/collections/${seg(collection)}/reembed`,
      body: { embedder },
    });
  }

  // ------------------------------------------------------------ documents

  ingest(collection: string, documents: IngestDocument[]): Promise<IngestResponse> {
    return this.json<IngestResponse>({
      method: 'POST',
      path: `/v1/collections/${seg(collection)}/documents`,
      body: { documents },
    });
  }

  deleteDocument(collection: string, id: string): Promise<IngestResponse> {
    return this.json<IngestResponse>({
      method: 'DELETE',
      path: `/v1/collections/${seg(collection)}/documents/${seg(id)}`,
    });
  }

  getDocument(collection: string, id: string): Promise<DocumentView> {
    return this.json<DocumentView>({
      method: 'GET',
      path: `/v1/collections/${seg(collection)}/documents/${seg(id)}`,
    });
  }

  /** One page of a collection's documents (`limit` 1-1000, server default 100). */
  listDocuments(
    collection: string,
    page: { cursor?: string; limit?: number } = {},
  ): Promise<DocumentPage> {
    return this.json<DocumentPage>({
      method: 'GET',
      path: `/v1/collections/${seg(collection)}/documents`,
      query: {
        cursor: page.cursor,
        limit: page.limit === undefined ? undefined : String(page.limit),
      },
    });
  }

  /** Every document of a collection, a page at a time. */
  async *allDocuments(collection: string, pageSize = 500): AsyncGenerator<ListedDocument> {
    let cursor: string | undefined;
    do {
      const page = await this.listDocuments(collection, { cursor, limit: pageSize });
      yield* page.documents;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  // ------------------------------------------------------------ jobs

  getJob(id: string): Promise<JobView> {
    return this.json<JobView>({ method: 'GET', path: `/v1/jobs/${seg(id)}` });
  }

  async listJobs(query: JobListQuery = {}): Promise<JobList> {
    const body = await this.json<unknown>({
      method: 'GET',
      path: '/v1/jobs',
      query: { state: query.state, queue: query.queue },
    });
    // docs/API.md does not pin the envelope of this list: accept `{ jobs: [...] }` or a bare array.
    if (Array.isArray(body)) return { jobs: body as JobView[] };
    return body as JobList;
  }

  async retryJob(id: string): Promise<void> {
    await this.send({ method: 'POST', path: `/v1/jobs/${seg(id)}/retry` });
  }

  /**
   * Polls `GET /v1/jobs/:id` until every job is completed or failed (a job the server no longer
   * knows, 404, ends as state `unknown`). Finished jobs are not polled again; jobs not polled
   * yet show as `waiting`. Returns the final views in the order of `ids`.
   */
  async waitForJobs(ids: readonly string[], options: WaitForJobsOptions = {}): Promise<JobView[]> {
    const pollMs = options.pollMs ?? 500;
    const concurrency = options.concurrency ?? 8;
    const maxPerRound = Math.max(1, options.maxPerRound ?? 256);
    const maxConsecutiveErrors = options.maxConsecutiveErrors ?? 5;
    const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
    const views = new Map<string, JobView>();
    for (const id of ids) {
      views.set(id, { id, queue: '', state: 'waiting', progress: 0, attempts: 0 });
    }
    const pending = new Set(views.keys());
    const snapshot = (): JobView[] => ids.map((id) => views.get(id) as JobView);
    let failedRounds = 0;

    for (;;) {
      let roundError: unknown;
      const round = [...pending].slice(0, maxPerRound);
      await mapWithConcurrency(round, concurrency, async (id) => {
        try {
          const view = await this.getJob(id);
          views.set(id, view);
          if (isFinishedJob(view)) pending.delete(id);
        } catch (err) {
          if (err instanceof RaglineApiError && err.status === 404) {
            const last = views.get(id) as JobView;
            views.set(id, {
              ...last,
              state: 'unknown',
              failedReason: 'job not found on the server',
            });
            pending.delete(id);
          } else if (isTransient(err)) {
            roundError = err;
          } else {
            throw err;
          }
        }
      });
      failedRounds = roundError === undefined ? 0 : failedRounds + 1;
      if (failedRounds >= maxConsecutiveErrors) throw roundError;

      options.onProgress?.(views.size - pending.size, views.size, snapshot());
      if (pending.size === 0) return snapshot();
      if (Date.now() + pollMs > deadline) {
        throw new RaglineWaitTimeoutError(
          `${pending.size} of ${views.size} jobs still unfinished after ${options.timeoutMs} ms`,
          snapshot(),
        );
      }
      await sleep(pollMs);
    }
  }

  // ------------------------------------------------------------ search

  search(collection: string, body: SearchRequest): Promise<SearchResponse> {
    return this.json<SearchResponse>({
      method: 'POST',
      path: `/v1/collections/${seg(collection)}/search`,
      body,
    });
  }

  searchBatch(collection: string, bodies: SearchRequest[]): Promise<SearchBatchResponse> {
    return this.json<SearchBatchResponse>({
      method: 'POST',
      path: `/v1/collections/${seg(collection)}/search/batch`,
      body: { searches: bodies },
    });
  }

  // ------------------------------------------------------------ tuning (admin)

  /**
   * Starts measuring a collection's recall and latency per ef on its own data (admin scope).
   * Follow the job with `waitForTune`; with `apply`, the recommendation is stored on the collection.
   */
  tuneCollection(name: string, request: TuneRequest = {}): Promise<TuneStarted> {
    return this.json<TuneStarted>({
      method: 'POST',
      path: `/v1/admin/collections/${seg(name)}/tune`,
      body: request,
    });
  }

  /** Waits for a tune job and returns its report; throws RaglineError if the job failed. */
  waitForTune(jobId: string, options: WaitForTuneOptions = {}): Promise<TuneReport> {
    return this.waitForResult<TuneReport>(jobId, 'tune', 'no report', options);
  }

  /** Follows one long job (tune, sync) and returns its result; throws if it did not complete. */
  private async waitForResult<T>(
    jobId: string,
    kind: string,
    missing: string,
    options: WaitForTuneOptions,
  ): Promise<T> {
    const [view] = await this.waitForJobs([jobId], {
      pollMs: options.pollMs ?? 1000,
      timeoutMs: options.timeoutMs,
      onProgress: (_done, _total, views) => options.onProgress?.(views[0].progress, views[0]),
    });
    if (view.state !== 'completed' || view.result == null) {
      throw new RaglineError(`${kind} job ${jobId} ${view.state}: ${view.failedReason ?? missing}`);
    }
    return view.result as unknown as T;
  }

  /** Forgets a collection's tuned ef: its searches use the process-wide ef again. */
  async clearCollectionTuning(name: string): Promise<void> {
    await this.send({ method: 'DELETE', path: `/v1/admin/collections/${seg(name)}/tuning` });
  }

  // ------------------------------------------------------------ sources

  createSource(
    collection: string,
    settings: SourceSettings,
  ): Promise<{ source: SourceRecord } & SyncStarted> {
    return this.json({
      method: 'POST',
      path: `/v1/collections/${seg(collection)}/sources`,
      body: settings,
    });
  }

  listSources(collection: string): Promise<{ sources: SourceRecord[] }> {
    return this.json({ method: 'GET', path: `/v1/collections/${seg(collection)}/sources` });
  }

  getSource(collection: string, id: string): Promise<SourceRecord> {
    return this.json({
      method: 'GET',
      path: `/v1/collections/${seg(collection)}/sources/${seg(id)}`,
    });
  }

  syncSource(collection: string, id: string): Promise<SyncStarted> {
    return this.json({
      method: 'POST',
      path: `/v1/collections/${seg(collection)}/sources/${seg(id)}/sync`,
    });
  }

  deleteSource(
    collection: string,
    id: string,
    documents: 'keep' | 'delete' = 'keep',
  ): Promise<{ jobs: JobRef[] }> {
    return this.json({
      method: 'DELETE',
      path: `/v1/collections/${seg(collection)}/sources/${seg(id)}`,
      query: { documents },
    });
  }

  /** Waits for a sync job and returns its summary; throws RaglineError if the job failed. */
  waitForSync(jobId: string, options: WaitForTuneOptions = {}): Promise<SyncSummary | SyncSkipped> {
    return this.waitForResult<SyncSummary | SyncSkipped>(jobId, 'sync', 'no summary', options);
  }

  // ------------------------------------------------------------ operations

  health(): Promise<HealthResponse> {
    return this.json<HealthResponse>({ method: 'GET', path: '/v1/health' });
  }

  /** Readiness (Redis, store, embedder); a 503 (not ready) throws RaglineApiError. */
  ready(): Promise<HealthResponse> {
    return this.json<HealthResponse>({ method: 'GET', path: '/v1/health/ready' });
  }

  /** What the monitor measures and the optimizer's recent actions (`/v1/health/performance`). */
  performance(): Promise<PerformanceReport> {
    return this.json<PerformanceReport>({ method: 'GET', path: '/v1/health/performance' });
  }

  // ------------------------------------------------------------ transport

  private async json<T>(spec: RequestSpec): Promise<T> {
    return (await this.send(spec)).body as T;
  }

  /** One logical request: retried on 429/503 with `Retry-After`, within the configured bounds. */
  private async send(spec: RequestSpec): Promise<RawResponse> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.attempt(spec);
      } catch (err) {
        const waitMs = err instanceof RaglineApiError ? err.retryAfterMs : undefined;
        const retryable =
          err instanceof RaglineApiError &&
          (err.status === 429 || err.status === 503) &&
          waitMs !== undefined &&
          waitMs <= this.maxRetryDelayMs &&
          attempt < this.maxRetries;
        if (!retryable) throw err;
        await sleep(waitMs);
      }
    }
  }

  private urlFor(spec: RequestSpec): string {
    const url = new URL(this.baseUrl + spec.path);
    for (const [key, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    return url.toString();
  }

  private async attempt(spec: RequestSpec): Promise<RawResponse> {
    const url = this.urlFor(spec);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    let payload: string | undefined;
    if (spec.body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(spec.body);
    }
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method: spec.method,
        headers,
        body: payload,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (err) {
      throw networkError(url, this.timeoutMs, err);
    }
    if (!response.ok) {
      throw apiErrorFrom(
        response.status,
        response.statusText,
        text,
        parseRetryAfter(response.headers.get('retry-after')),
      );
    }
    if (text.trim() === '') return { status: response.status, body: undefined };
    try {
      return { status: response.status, body: JSON.parse(text) as unknown };
    } catch {
      throw new RaglineApiError(
        response.status,
        'invalid_response',
        `expected JSON from ${spec.method} ${spec.path}, got: ${text.slice(0, 200)}`,
      );
    }
  }
}

function isTransient(err: unknown): boolean {
  if (err instanceof RaglineNetworkError) return true;
  return err instanceof RaglineApiError && (err.status >= 500 || err.status === 429);
}

/** Reads a property of an error-like value without `instanceof` (errors can come from another realm). */
function prop(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

function networkError(url: string, timeoutMs: number, err: unknown): RaglineNetworkError {
  const name = prop(err, 'name');
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new RaglineNetworkError(
      url,
      'timeout',
      `no answer from ${url} within ${timeoutMs} ms`,
      err,
    );
  }
  const cause = prop(err, 'cause');
  const detail = [prop(cause, 'code'), prop(cause, 'message'), prop(err, 'message')].find(
    (v): v is string => typeof v === 'string' && v !== '',
  );
  return new RaglineNetworkError(
    url,
    'unreachable',
    `cannot reach ${url} (${detail ?? String(err)})`,
    err,
  );
}
