import { sleep } from './concurrency';
import {
  apiErrorFrom,
  RaglineApiError,
  RaglineError,
  RaglineNetworkError,
  RaglineWaitTimeoutError,
} from './errors';
import { JobStreamEvent, jobStreamEvent, MAX_JOB_IDS_PER_REQUEST } from './job-events';
import { parseRetryAfter } from './retry-after';
import { serverSentEvents, StreamInterruptedError } from './server-sent-events';
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
  /**
   * Pause between rounds of `GET /v1/jobs?ids=` when the event stream is not available
   * (a failed stream, an older server, or `stream: false`). Default 2000.
   */
  pollMs?: number;
  /** Give up (RaglineWaitTimeoutError) after this long. Default: no limit. */
  timeoutMs?: number;
  /**
   * Follow the jobs over `GET /v1/jobs/events` (server-sent events, one request per 200
   * jobs). Default true; polling is the fallback either way.
   */
  stream?: boolean;
  /** A stream silent this long (not even a heartbeat) counts as broken. Default 45 000. */
  streamIdleMs?: number;
  /**
   * Jobs read per polling round: the oldest unfinished ones, in the order given (queues run
   * roughly first in, first out), 200 per request. Bounds the load a large wait puts on the
   * API. Default 1000.
   */
  maxPerRound?: number;
  /** Rounds in a row that may fail (network, 5xx) before the error is thrown. Default 5. */
  maxConsecutiveErrors?: number;
  /**
   * Called with the number of finished jobs and the latest view of each: after each polling
   * round or stream, and as events arrive (at most every 100 ms).
   */
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

  /** Up to 200 jobs in one request; a job the server does not know has state `unknown`. */
  async getJobs(ids: readonly string[]): Promise<JobView[]> {
    const body = await this.json<{ jobs: JobView[] }>({
      method: 'GET',
      path: '/v1/jobs',
      query: { ids: ids.join(',') },
    });
    return body.jobs;
  }

  /**
   * The events of up to 200 jobs (`GET /v1/jobs/events`): each job's state first, then
   * `active`, `progress`, `completed` and `failed` as they happen, and `end` once all are
   * final. Throws StreamInterruptedError if the stream goes silent for `idleMs` (default 45 000).
   */
  async *jobEvents(
    ids: readonly string[],
    options: { signal?: AbortSignal; idleMs?: number } = {},
  ): AsyncGenerator<JobStreamEvent> {
    const url = this.urlFor({
      method: 'GET',
      path: '/v1/jobs/events',
      query: { ids: ids.join(',') },
    });
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    const controller = new AbortController();
    const abort = (): void => controller.abort();
    options.signal?.addEventListener('abort', abort);
    // The answer's headers must come within the request timeout; the body may last.
    const connecting = setTimeout(abort, this.timeoutMs);
    try {
      let response: Response;
      try {
        response = await fetch(url, { headers, signal: controller.signal });
      } catch (err) {
        throw networkError(url, this.timeoutMs, err);
      } finally {
        clearTimeout(connecting);
      }
      if (!response.ok || !response.body) {
        throw apiErrorFrom(
          response.status,
          response.statusText,
          await response.text(),
          parseRetryAfter(response.headers.get('retry-after')),
        );
      }
      try {
        for await (const sse of serverSentEvents(response.body, options.idleMs ?? 45_000)) {
          const event = jobStreamEvent(sse);
          if (event) yield event;
        }
      } catch (err) {
        if (err instanceof StreamInterruptedError || options.signal?.aborted) throw err;
        throw networkError(url, this.timeoutMs, err);
      }
    } finally {
      options.signal?.removeEventListener('abort', abort);
      controller.abort();
    }
  }

  /**
   * Waits until every job is completed or failed (a job the server does not know ends as
   * `unknown`), following them over the job event stream, 200 jobs per stream, oldest first.
   * If a stream fails, the jobs are read with `GET /v1/jobs?ids=` instead (every `pollMs`)
   * until a stream works again. Returns the final views in the order of `ids`.
   */
  async waitForJobs(ids: readonly string[], options: WaitForJobsOptions = {}): Promise<JobView[]> {
    const pollMs = options.pollMs ?? 2000;
    const maxPerRound = Math.max(1, options.maxPerRound ?? 1000);
    const maxConsecutiveErrors = options.maxConsecutiveErrors ?? 5;
    const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
    const views = new Map<string, JobView>();
    for (const id of ids) {
      views.set(id, { id, queue: '', state: 'waiting', progress: 0, attempts: 0 });
    }
    const pending = new Set(views.keys());
    const snapshot = (): JobView[] => ids.map((id) => views.get(id) as JobView);
    let reportedAt = -Infinity;
    const report = (now: boolean): void => {
      if (!options.onProgress || (!now && Date.now() - reportedAt < 100)) return;
      reportedAt = Date.now();
      options.onProgress(views.size - pending.size, views.size, snapshot());
    };
    const apply = (view: JobView): void => {
      if (!pending.has(view.id)) return;
      const seen = { ...(views.get(view.id) as JobView), ...view };
      if (seen.state === 'unknown') seen.failedReason ??= 'job not found on the server';
      views.set(view.id, seen);
      if (isFinishedJob(seen)) pending.delete(view.id);
    };
    const onEvent = (event: JobStreamEvent): void => {
      if (event.type === 'active' || event.type === 'progress') {
        const last = views.get(event.id);
        if (!last) return;
        apply(
          event.type === 'active'
            ? { ...last, state: 'active' }
            : { ...last, progress: event.progress },
        );
      } else if (event.type !== 'end') {
        apply(event.job);
      }
      report(false);
    };
    const timedOut = (): RaglineWaitTimeoutError<JobView> =>
      new RaglineWaitTimeoutError(
        `${pending.size} of ${views.size} jobs still unfinished after ${options.timeoutMs} ms`,
        snapshot(),
      );

    let streams = options.stream ?? true;
    let failedRounds = 0;
    while (pending.size > 0) {
      if (Date.now() >= deadline) throw timedOut();
      if (streams) {
        try {
          const before = pending.size;
          const batch = [...pending].slice(0, MAX_JOB_IDS_PER_REQUEST);
          await this.followJobs(batch, deadline, options.streamIdleMs, onEvent);
          report(true);
          if (pending.size > 0 && Date.now() >= deadline) throw timedOut();
          failedRounds = 0;
          // A stream that ended with nothing finished (it should not) falls back to a poll.
          if (pending.size < before) continue;
        } catch (err) {
          if (err instanceof RaglineWaitTimeoutError) throw err;
          if (isMissingRoute(err)) streams = false;
          else if (!isTransient(err) && !(err instanceof StreamInterruptedError)) throw err;
        }
      }
      try {
        const round = [...pending].slice(0, maxPerRound);
        for (let i = 0; i < round.length; i += MAX_JOB_IDS_PER_REQUEST) {
          for (const view of await this.getJobs(round.slice(i, i + MAX_JOB_IDS_PER_REQUEST))) {
            apply(view);
          }
        }
        failedRounds = 0;
      } catch (err) {
        if (!isTransient(err) || ++failedRounds >= maxConsecutiveErrors) throw err;
      }
      report(true);
      if (pending.size === 0) break;
      if (Date.now() + pollMs > deadline) throw timedOut();
      await sleep(pollMs);
    }
    return snapshot();
  }

  /** Follows `ids` over one event stream until it ends (or the deadline passes). */
  private async followJobs(
    ids: readonly string[],
    deadline: number,
    idleMs: number | undefined,
    onEvent: (event: JobStreamEvent) => void,
  ): Promise<void> {
    const stop = new AbortController();
    const timer =
      deadline === Infinity ? undefined : setTimeout(() => stop.abort(), deadline - Date.now());
    try {
      for await (const event of this.jobEvents(ids, { signal: stop.signal, idleMs })) {
        if (event.type === 'end') return;
        onEvent(event);
      }
      throw new StreamInterruptedError('the event stream closed before its end');
    } catch (err) {
      if (stop.signal.aborted) return;
      throw err;
    } finally {
      clearTimeout(timer);
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

/** A server without job event streams (older than them, or behind a proxy that drops the route). */
function isMissingRoute(err: unknown): boolean {
  return err instanceof RaglineApiError && [404, 405, 501].includes(err.status);
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
