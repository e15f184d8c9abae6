import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ALL_QUEUES } from '../queues/queue-names';
import { routeKind } from './route-kind';

export const METRIC_PREFIX = 'ragline_';

/** States reported by ragline_queue_jobs (BullMQ's, with paused and prioritized folded into waiting). */
export type QueueState = 'waiting' | 'active' | 'delayed' | 'failed' | 'completed';
export const QUEUE_STATES: readonly QueueState[] = [
  'waiting',
  'active',
  'delayed',
  'failed',
  'completed',
];

export type CacheTier = 'l1' | 'l2';
export type BatcherKind = 'embed' | 'upsert' | 'search' | 'other';
export type AvoidedModelCallReason =
  'embedding_cache' | 'query_vector_cache' | 'search_cache' | 'single_flight';
export type RateLimitClass = 'ingest' | 'search' | 'admin';
const RATE_LIMIT_CLASSES: readonly RateLimitClass[] = ['ingest', 'search', 'admin'];
/** ragline_circuit_breaker_state values. */
export const CIRCUIT_STATE_VALUES = { closed: 0, 'half-open': 1, open: 2 } as const;
export type StoreOperation =
  'upsert' | 'delete' | 'search' | 'count' | 'info' | 'optimize' | 'ensure' | 'other';

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const KNOWN_BATCHER_KINDS = new Set<BatcherKind>(['embed', 'upsert', 'search']);

// Bucket bounds in seconds (or items), chosen around the latencies measured in DESIGN.md.
const HTTP_BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const JOB_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096];
const BATCH_DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const EMBED_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const STORE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30];

const MISNAMED_DEFAULT_GAUGES = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** `embed:use-lite` -> `embed`; the part after the colon (a collection name) never becomes a label. */
export function batcherKind(nameOrKind: string): BatcherKind {
  const kind = nameOrKind.split(':', 1)[0] as BatcherKind;
  return KNOWN_BATCHER_KINDS.has(kind) ? kind : 'other';
}

const seconds = (ms: number): number => Math.max(0, ms) / 1000;

/**
 * ragline's Prometheus metrics. Each instance owns its registry (never prom-client's global one),
 * so several apps in one test process do not clash. Durations are passed in milliseconds (what
 * `performance.now()` gives) and exported in seconds, as Prometheus expects.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  private readonly httpDuration = new Histogram({
    name: `${METRIC_PREFIX}http_request_duration_seconds`,
    help: 'HTTP request duration by method, route pattern, status code and route kind (api, or job_polling: reading job states and job event streams)',
    labelNames: ['method', 'route', 'status', 'route_kind'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });
  private readonly jobDuration = new Histogram({
    name: `${METRIC_PREFIX}job_duration_seconds`,
    help: 'Time a queue job ran in a worker',
    labelNames: ['queue'] as const,
    buckets: JOB_BUCKETS,
    registers: [this.registry],
  });
  private readonly jobWait = new Histogram({
    name: `${METRIC_PREFIX}job_wait_seconds`,
    help: 'Time a queue job waited between being added and starting',
    labelNames: ['queue'] as const,
    buckets: JOB_BUCKETS,
    registers: [this.registry],
  });
  private readonly queueJobs = new Gauge({
    name: `${METRIC_PREFIX}queue_jobs`,
    help: 'Jobs in a queue by state, as of the latest monitor sample',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
  });
  private readonly servingChunks = new Gauge({
    name: `${METRIC_PREFIX}serving_chunks`,
    help: "Chunks held in this process's in-memory serving indexes, by store collection",
    labelNames: ['collection'] as const,
    registers: [this.registry],
  });
  private readonly servingBytes = new Gauge({
    name: `${METRIC_PREFIX}serving_bytes`,
    help: "Approximate memory of this process's in-memory serving indexes, by store collection",
    labelNames: ['collection'] as const,
    registers: [this.registry],
  });
  private readonly servingLoad = new Gauge({
    name: `${METRIC_PREFIX}serving_load_seconds`,
    help: 'How long the latest load of a serving index from the store took',
    registers: [this.registry],
  });
  private readonly cacheRequests = new Counter({
    name: `${METRIC_PREFIX}cache_requests_total`,
    help: 'Search cache lookups by tier (l1 in-process, l2 Redis) and result (hit or miss)',
    labelNames: ['tier', 'result'] as const,
    registers: [this.registry],
  });
  private readonly batchSize = new Histogram({
    name: `${METRIC_PREFIX}batch_size`,
    help: 'Items per adaptive batch by batcher kind (embed, upsert, search)',
    labelNames: ['batcher'] as const,
    buckets: BATCH_SIZE_BUCKETS,
    registers: [this.registry],
  });
  private readonly batchDuration = new Histogram({
    name: `${METRIC_PREFIX}batch_duration_seconds`,
    help: 'Run time of one adaptive batch by batcher kind (embed, upsert, search)',
    labelNames: ['batcher'] as const,
    buckets: BATCH_DURATION_BUCKETS,
    registers: [this.registry],
  });
  private readonly embedDuration = new Histogram({
    name: `${METRIC_PREFIX}embed_duration_seconds`,
    help: 'Duration of one embedder call by embedder id',
    labelNames: ['embedder'] as const,
    buckets: EMBED_BUCKETS,
    registers: [this.registry],
  });
  private readonly modelCpuReaders = new Map<
    string,
    { read: () => number | undefined; last: number }
  >();
  private readonly modelCpu = new Counter({
    name: `${METRIC_PREFIX}model_cpu_seconds_total`,
    help: "CPU time of the embedding model's own threads in this process, by embedder (beside process_cpu_seconds_total: the model's share of the work)",
    labelNames: ['embedder'] as const,
    registers: [this.registry],
    collect: () => {
      for (const [embedder, reader] of this.modelCpuReaders) {
        const now = reader.read();
        if (now === undefined) continue;
        if (now > reader.last) this.modelCpu.inc({ embedder }, now - reader.last);
        reader.last = Math.max(reader.last, now);
      }
    },
  });
  private readonly storeDuration = new Histogram({
    name: `${METRIC_PREFIX}store_duration_seconds`,
    help: 'Duration of one vector store call by operation',
    labelNames: ['operation'] as const,
    buckets: STORE_BUCKETS,
    registers: [this.registry],
  });
  private readonly optimizerActions = new Counter({
    name: `${METRIC_PREFIX}optimizer_actions_total`,
    help: 'Monitor optimizer actions decided by this process, by rule',
    labelNames: ['rule'] as const,
    registers: [this.registry],
  });
  private readonly expiredSearches = new Counter({
    name: `${METRIC_PREFIX}search_jobs_expired_total`,
    help: 'Search jobs dropped unrun because their caller had already timed out (overload)',
    registers: [this.registry],
  });
  private readonly jobFailures = new Counter({
    name: `${METRIC_PREFIX}job_failures_total`,
    help: 'Failed job attempts by queue; final="true" when retries ran out (dead-lettered)',
    labelNames: ['queue', 'final'] as const,
    registers: [this.registry],
  });
  private readonly modelCallsAvoided = new Counter({
    name: `${METRIC_PREFIX}model_calls_avoided_total`,
    help: 'Embedding model inputs not computed, by reason (embedding_cache, query_vector_cache, search_cache, single_flight)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  private readonly embeddingCacheRequests = new Counter({
    name: `${METRIC_PREFIX}embedding_cache_requests_total`,
    help: 'Embedding cache lookups by result (hit or miss)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  private readonly rateLimited = new Counter({
    name: `${METRIC_PREFIX}rate_limited_total`,
    help: 'Requests answered 429 by the rate limiter, by route class (ingest, search, admin)',
    labelNames: ['class'] as const,
    registers: [this.registry],
  });
  private readonly rateLimiterErrors = new Counter({
    name: `${METRIC_PREFIX}rate_limiter_errors_total`,
    help: 'Requests let through unchecked because the rate limiter could not reach Redis (fail open)',
    registers: [this.registry],
  });
  private readonly circuitReaders = new Map<string, () => keyof typeof CIRCUIT_STATE_VALUES>();
  private readonly circuitState = new Gauge({
    name: `${METRIC_PREFIX}circuit_breaker_state`,
    help: 'Circuit breaker state by dependency: 0 closed, 1 half-open (trial calls), 2 open (failing fast)',
    labelNames: ['dependency'] as const,
    registers: [this.registry],
    collect: () => {
      for (const [dependency, read] of this.circuitReaders) {
        this.circuitState.set({ dependency }, CIRCUIT_STATE_VALUES[read()]);
      }
    },
  });
  private readonly circuitRejected = new Counter({
    name: `${METRIC_PREFIX}circuit_breaker_rejected_total`,
    help: 'Calls failed fast by an open circuit breaker, by dependency',
    labelNames: ['dependency'] as const,
    registers: [this.registry],
  });

  private readonly readinessProbes = new Map<string, () => Promise<boolean>>();
  private readonly dependencyReady = new Gauge({
    name: `${METRIC_PREFIX}dependency_ready`,
    help: 'Whether a dependency (redis, store) answered its readiness probe at this scrape: 1 yes, 0 no',
    labelNames: ['dependency'] as const,
    registers: [this.registry],
    collect: async () => {
      await Promise.all(
        [...this.readinessProbes].map(async ([dependency, probe]) => {
          const ready = await probe().catch(() => false);
          this.dependencyReady.set({ dependency }, ready ? 1 : 0);
        }),
      );
    },
  });
  private readonly searchP95Target = new Gauge({
    name: `${METRIC_PREFIX}search_p95_target_seconds`,
    help: 'The search p95 latency target (RAGLINE_SEARCH_P95_TARGET_MS): above it the service is degraded',
    registers: [this.registry],
  });
  private readonly rssLimit = new Gauge({
    name: `${METRIC_PREFIX}rss_limit_bytes`,
    help: 'The resident memory limit the optimizer defends (RAGLINE_RSS_LIMIT_BYTES, else 75% of the memory available)',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
    // prom-client names these gauges `_total`, which Prometheus reserves for counters (promtool
    // rejects them); each is the sum of its per-type gauge that stays exported.
    for (const name of MISNAMED_DEFAULT_GAUGES) {
      this.registry.removeSingleMetric(`${METRIC_PREFIX}${name}`);
    }
    // Counters start at 0 for every known label value: rate() and increase() then see the first
    // event (a series born at 1 has no increase), and dashboards show 0 rather than no data.
    for (const routeClass of RATE_LIMIT_CLASSES) this.rateLimited.inc({ class: routeClass }, 0);
    for (const queue of ALL_QUEUES) {
      for (const final of ['true', 'false']) this.jobFailures.inc({ queue, final }, 0);
    }
  }

  /** A probe run at each scrape for ragline_dependency_ready (it must bound its own wait). */
  trackReadiness(dependency: string, probe: () => Promise<boolean>): void {
    this.readinessProbes.set(dependency, probe);
  }

  setHealthLimits(searchP95TargetMs: number, rssLimitBytes: number): void {
    this.searchP95Target.set(seconds(searchP95TargetMs));
    this.rssLimit.set(rssLimitBytes);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text for GET /metrics. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** `route` must be the route pattern (e.g. `/v1/collections/:name/search`), never a raw URL. */
  observeHttp(method: string, route: string, status: number, durationMs: number): void {
    const m = method.toUpperCase();
    this.httpDuration.observe(
      {
        method: KNOWN_METHODS.has(m) ? m : 'OTHER',
        route,
        status: String(status),
        route_kind: routeKind(m, route),
      },
      seconds(durationMs),
    );
  }

  observeJob(queue: string, waitMs: number, runMs: number): void {
    this.jobWait.observe({ queue }, seconds(waitMs));
    this.jobDuration.observe({ queue }, seconds(runMs));
  }

  setQueueDepth(queue: string, counts: Partial<Record<QueueState, number>>): void {
    for (const state of QUEUE_STATES) {
      const value = counts[state];
      if (value !== undefined) this.queueJobs.set({ queue, state }, value);
    }
  }

  /** One search-cache lookup in one tier; count an L2 lookup only when L1 missed. */
  cacheLookup(tier: CacheTier, hit: boolean, count = 1): void {
    this.cacheRequests.inc({ tier, result: hit ? 'hit' : 'miss' }, count);
  }

  embeddingCacheLookup(hit: boolean, count = 1): void {
    this.embeddingCacheRequests.inc({ result: hit ? 'hit' : 'miss' }, count);
  }

  /** `batcher` is a batcher name (`embed:use-lite`, `upsert:docs`) or kind; only the kind is kept. */
  observeBatch(batcher: string, size: number, durationMs: number): void {
    const labels = { batcher: batcherKind(batcher) };
    this.batchSize.observe(labels, size);
    this.batchDuration.observe(labels, seconds(durationMs));
  }

  observeEmbed(embedder: string, durationMs: number): void {
    this.embedDuration.observe({ embedder }, seconds(durationMs));
  }

  observeStore(operation: StoreOperation, durationMs: number): void {
    this.storeDuration.observe({ operation }, seconds(durationMs));
  }

  countExpiredSearch(): void {
    this.expiredSearches.inc();
  }

  countJobFailure(queue: string, final: boolean): void {
    this.jobFailures.inc({ queue, final: String(final) });
  }

  countAction(rule: string): void {
    this.optimizerActions.inc({ rule });
  }

  countRateLimited(routeClass: RateLimitClass): void {
    this.rateLimited.inc({ class: routeClass });
  }

  countRateLimiterError(): void {
    this.rateLimiterErrors.inc();
  }

  /** Exports a breaker's state, read at each scrape (a cool-off can end between calls). */
  trackCircuit(dependency: string, read: () => keyof typeof CIRCUIT_STATE_VALUES): void {
    this.circuitReaders.set(dependency, read);
  }

  /**
   * Exports a local model's CPU seconds, read at each scrape. A model started again under the
   * same id (after a shutdown in tests) continues the count from where the last one was.
   */
  trackModelCpu(embedder: string, read: () => number | undefined): void {
    this.modelCpuReaders.set(embedder, { read, last: 0 });
    this.modelCpu.inc({ embedder }, 0);
  }

  countCircuitRejected(dependency: string): void {
    this.circuitRejected.inc({ dependency });
  }

  /** Totals over every collection (public /metrics names no collection). */
  setServingIndexes(chunks: number, bytes: number): void {
    this.servingChunks.set(chunks);
    this.servingBytes.set(bytes);
  }

  observeServingLoad(durationMs: number): void {
    this.servingLoad.set(seconds(durationMs));
  }

  countAvoidedModelCalls(reason: AvoidedModelCallReason, count = 1): void {
    if (count > 0) this.modelCallsAvoided.inc({ reason }, count);
  }
}
