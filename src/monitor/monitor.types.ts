import type { AdaptiveBatcherStats } from '../batching';
import type { LatencySummary } from './sliding-histogram';

export type { LatencySummary } from './sliding-histogram';

export type SearchTier = 'l1' | 'l2' | 'miss';

/** Job counts of one queue; `waiting` includes BullMQ's paused and prioritized jobs. */
export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
}

/** What the monitor needs of a BullMQ Queue (a real Queue satisfies it). */
export interface CountableQueue {
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
}

/** What the monitor reads of a batcher (an AdaptiveBatcher satisfies it). */
export interface MonitoredBatcher {
  readonly name: string;
  stats(): Pick<
    AdaptiveBatcherStats,
    | 'target'
    | 'maxWaitMs'
    | 'concurrency'
    | 'avgBatchSize'
    | 'itemsPerSec'
    | 'p50BatchMs'
    | 'p95BatchMs'
    | 'queued'
    | 'inFlight'
  >;
}

export interface BatcherSample {
  /** embed | upsert | search (the part of the name before the colon). */
  kind: string;
  target: number;
  maxWaitMs: number;
  concurrency: number;
  avgBatchSize: number;
  itemsPerSec: number;
  p50Ms: number;
  p95Ms: number;
  queued: number;
  inFlight: number;
}

export interface JobTimesSample {
  wait: LatencySummary;
  run: LatencySummary;
}

export interface CacheSample {
  l1Hits: number;
  l2Hits: number;
  misses: number;
  /** Shares of all searches in the window, so l1HitRate + l2HitRate = hitRate. */
  l1HitRate: number;
  l2HitRate: number;
  hitRate: number;
}

export interface ProcessSample {
  /** Event-loop delay since the previous sample. */
  eventLoopP99Ms: number;
  eventLoopMeanMs: number;
  eventLoopMaxMs: number;
  rssBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  /** V8's heap ceiling for this process. */
  heapLimitBytes: number;
  /** CPU time (user + system) over wall time since the previous sample; 100 = one full core. */
  cpuPercent: number;
}

/** One reading of everything the monitor watches; rules decide from these. */
export interface MonitorSample {
  /** Epoch milliseconds. */
  at: number;
  /** Length of the sliding window the latencies, rates and hit rates cover. */
  windowMs: number;
  /** Queues whose counts could not be read this time are absent. */
  queues: Record<string, QueueCounts>;
  jobs: Record<string, JobTimesSample>;
  http: LatencySummary;
  search: LatencySummary;
  cache: CacheSample;
  /** By batcher name (e.g. `embed:use-lite`). */
  batchers: Record<string, BatcherSample>;
  process: ProcessSample;
  /** Registered probes by name; null when the probe failed or timed out. */
  probes: Record<string, number | null>;
  /** Current values of the registered tunables. */
  tunables: Record<string, number>;
}
