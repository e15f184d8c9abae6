import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { storeNameOf } from '../catalog/catalog.types';
import { ApiError } from '../common/api-error';
import { APP_CONFIG, AppConfig } from '../config/config';
import { EmbedderRegistry } from '../embedding/embedder-registry';
import { MetricsService } from '../metrics/metrics.service';
import { MonitorService } from '../monitor/monitor.service';
import { searchJobOptions } from '../queues/job-options';
import { redisUnavailable } from '../redis/redis-errors';
import { CollectionStates } from './collection-states';
import { HotQueries } from './hot-queries';
import { searchCacheKey, SearchCache } from './search-cache';
import { LateResultHandler, SearchWaiters, searchTimeout } from './search-waiters';
import type { SearchBody } from '../contract/search';
import { CacheTier, HitView, SearchResponse } from './search.types';
import { SearchJobResult, SearchSpec } from '../queues/search-job';
import { JobQueues } from '../queues/job-queues';

const round = (ms: number) => Math.round(ms * 1000) / 1000;

interface Flight {
  hits: HitView[];
  tier: CacheTier;
  timings?: SearchJobResult['timings'];
}

/**
 * One search in flight, shared by every identical request that arrives meanwhile. It lives
 * until the latest of their deadlines (each request still answers 504 at its own), so a
 * request that joins late is not failed by an earlier one's timeout.
 */
interface InFlight {
  result: Promise<Flight>;
  /** Epoch ms until which someone waits for it. */
  deadline: number;
  /** Its search job, once enqueued (the wait for it is extended as requests join). */
  jobId?: string;
}

/** Normalises the query text the way the cache key sees it (case is kept: the model reads it). */
export function normaliseQuery(query: string): string {
  return query.normalize('NFKC').replace(/\s+/g, ' ').trim();
}

/**
 * Cache first (L1, then L2), then single-flight (identical searches in flight share one job),
 * then the search queue, awaited through the shared waiters.
 */
@Injectable()
export class SearchService implements OnModuleInit {
  private readonly logger = new Logger('SearchService');
  private readonly flights = new Map<string, InFlight>();
  private readonly hot = new HotQueries();
  private readonly warming = new Set<string>();
  /** Collections written to while their warming round ran: that round saw an older version. */
  private readonly warmAgain = new Set<string>();

  constructor(
    private readonly queues: JobQueues,
    private readonly states: CollectionStates,
    private readonly cache: SearchCache,
    private readonly waiters: SearchWaiters,
    private readonly embedders: EmbedderRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly monitor: MonitorService,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    this.states.onVersion((collection) => this.scheduleWarming(collection));
  }

  async spec(collection: string, body: SearchBody): Promise<{ spec: SearchSpec; version: number }> {
    const state = await this.states.get(collection);
    if (!state) throw ApiError.notFound(`collection '${collection}'`);
    const { record, version } = state;
    if (!this.embedders.describe(record.embedder)) {
      throw ApiError.conflict(
        `collection '${collection}' was built with embedder '${record.embedder}', which is not configured here`,
      );
    }
    const mode = body.mode ?? record.defaultMode;
    if (mode !== 'dense' && !record.hybrid) {
      throw ApiError.badRequest(`mode: '${mode}' needs a collection created with hybrid: true`);
    }
    const spec: SearchSpec = {
      collection,
      store: storeNameOf(record),
      embedder: record.embedder,
      query: normaliseQuery(body.query),
      mode,
      limit: body.limit,
      filter: body.filter,
      ef: body.params?.ef,
      exact: body.params?.exact,
      weights: mode === 'hybrid' ? (body.params?.weights ?? record.hybridWeights) : undefined,
      scoreThreshold: body.scoreThreshold,
    };
    // Only set when asked for, so other searches' cache keys stay as they were.
    if (body.groupBy) spec.groupBy = body.groupBy;
    if (body.offset) spec.offset = body.offset;
    // Only tuned collections carry the key, so other collections' cache keys stay as they were.
    const tuning = record.searchTuning;
    if (tuning && mode !== 'bm25') spec.tunedEf = { ef: tuning.ef, floorEf: tuning.floorEf };
    return { spec, version };
  }

  async search(collection: string, body: SearchBody): Promise<SearchResponse> {
    const t0 = performance.now();
    const { spec, version } = await this.spec(collection, body);
    const key = searchCacheKey(spec, version);
    this.hot.record(key, spec);
    const l1 = this.cache.getL1(key);
    this.metrics.cacheLookup('l1', l1 !== undefined);
    if (l1) {
      this.metrics.countAvoidedModelCalls('search_cache');
      return this.answered({
        hits: l1,
        cache: 'l1',
        version,
        took: { totalMs: round(performance.now() - t0) },
      });
    }

    const deadline = Date.now() + this.config.search.timeoutMs;
    const flight = this.join(key, deadline) ?? this.launch(key, spec, version, deadline);
    const { hits, tier, timings } = await this.beforeDeadline(flight, deadline);
    const took: SearchResponse['took'] = { totalMs: round(performance.now() - t0) };
    if (timings)
      Object.assign(took, {
        queueMs: timings.queueMs,
        embedMs: timings.embedMs,
        storeMs: timings.storeMs,
      });
    return this.answered({ hits, cache: tier, version, took });
  }

  /** Joins an identical search in flight, extending its wait to this request's deadline. */
  private join(key: string, deadline: number): InFlight | undefined {
    const flight = this.flights.get(key);
    if (!flight) return undefined;
    this.metrics.countAvoidedModelCalls('single_flight');
    if (deadline > flight.deadline) {
      flight.deadline = deadline;
      if (flight.jobId) this.waiters.extend(flight.jobId, deadline);
    }
    return flight;
  }

  private launch(key: string, spec: SearchSpec, version: number, deadline: number): InFlight {
    const flight: InFlight = { result: Promise.resolve({ hits: [], tier: 'miss' }), deadline };
    flight.result = this.fly(key, spec, version, flight);
    this.flights.set(key, flight);
    void flight.result.catch(() => undefined).finally(() => this.flights.delete(key));
    return flight;
  }

  /**
   * The flight's result, or 504 at this request's own deadline when a later request keeps the
   * flight going. The request holding the flight's deadline gets the flight's own answer: its
   * final check reads the job first, so a result that just arrived is not answered 504.
   */
  private beforeDeadline(flight: InFlight, deadline: number): Promise<Flight> {
    let timer: NodeJS.Timeout | undefined;
    const cutOff = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => {
          if (flight.deadline > deadline) reject(searchTimeout(this.config.search.timeoutMs));
        },
        Math.max(0, deadline - Date.now()),
      );
    });
    return Promise.race([flight.result, cutOff]).finally(() => clearTimeout(timer));
  }

  private answered(response: SearchResponse): SearchResponse {
    this.monitor.recordSearch(response.took.totalMs, response.cache);
    return response;
  }

  private async fly(
    key: string,
    spec: SearchSpec,
    version: number,
    flight: InFlight,
  ): Promise<Flight> {
    const l2 = await this.cache.getL2(key);
    this.metrics.cacheLookup('l2', l2 !== undefined);
    if (l2) {
      this.metrics.countAvoidedModelCalls('search_cache');
      return { hits: l2, tier: 'l2' };
    }
    const result = await this.enqueueAndWait(spec, version, flight, (late) => {
      void this.cache.set(key, late.hits).catch(() => undefined);
    });
    // Not awaited: L1 is filled at once, and the L2 write is on the wire before the answer, so
    // the caller need not wait a Redis round trip (or a stalled Redis) for other processes' sake.
    void this.cache.set(key, result.hits).catch(() => undefined);
    return { hits: result.hits, tier: 'miss', timings: result.timings };
  }

  private async enqueueAndWait(
    spec: SearchSpec,
    version: number,
    flight: InFlight,
    onLate: LateResultHandler,
  ): Promise<SearchJobResult> {
    const jobId = `search-${randomUUID()}`;
    const waiting = this.waiters.wait(jobId, Math.max(0, flight.deadline - Date.now()), onLate);
    flight.jobId = jobId;
    try {
      await this.queues.search.add(
        'search',
        { spec, version, enqueuedAt: Date.now() },
        searchJobOptions(jobId),
      );
    } catch (err) {
      this.waiters.cancel(jobId);
      throw redisUnavailable('search queue', err);
    }
    return waiting;
  }

  /**
   * After a write, re-run this process's hottest searches of that collection in the background,
   * so the head of the traffic does not all miss at once. At most one round per collection at a
   * time, starting a moment after the bump so a burst of writes warms once.
   */
  private scheduleWarming(collection: string): void {
    if (this.config.search.warmQueries === 0) return;
    if (this.warming.has(collection)) {
      this.warmAgain.add(collection);
      return;
    }
    this.warming.add(collection);
    setTimeout(() => {
      const specs = this.hot.top(collection, this.config.search.warmQueries);
      void Promise.all(
        specs.map(async (spec) => {
          const state = await this.states.get(collection);
          if (!state) return;
          // A re-embedding may have changed where and how the collection is searched.
          const current = {
            ...spec,
            store: storeNameOf(state.record),
            embedder: state.record.embedder,
          };
          const key = searchCacheKey(current, state.version);
          if (this.cache.getL1(key) || this.flights.has(key)) return;
          const flight = this.launch(
            key,
            current,
            state.version,
            Date.now() + this.config.search.timeoutMs,
          );
          await flight.result.catch(() => undefined);
        }),
      )
        .catch((err: unknown) =>
          this.logger.debug(`warming ${collection}: ${(err as Error).message}`),
        )
        .finally(() => {
          this.warming.delete(collection);
          if (this.warmAgain.delete(collection)) this.scheduleWarming(collection);
        });
    }, 250).unref();
  }
}
