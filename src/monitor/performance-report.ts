import type { LatencySummary, MonitorSample } from './monitor.types';

/** One optimizer action as shown on /v1/health/performance and the admin page. */
export interface ActionRecord {
  /** ISO 8601 time the action was applied in this process. */
  at: string;
  rule: string;
  /** What changed here, e.g. `searchConcurrency 2 -> 3`. */
  change: string;
  reason: string;
  /** `local`: decided by this process; `fleet`: decided by `origin` and applied here. */
  source: 'local' | 'fleet';
  origin: string;
}

export interface Percentiles {
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** Values in the window; percentiles of an empty window read 0. */
  count: number;
}

export interface PerformanceReport {
  status: 'healthy' | 'degraded';
  /** Why the status is degraded (empty when healthy). */
  reasons: string[];
  /** ISO time of the sample the report is built from. */
  sampledAt: string;
  /** seconds: the sliding window of latencies, rates and hit rates; samples: monitor samples in it. */
  window: { seconds: number; samples: number };
  latency: { search: Percentiles; http: Percentiles };
  throughput: { requestsPerSec: number; searchesPerSec: number; ingestJobsPerSec: number };
  /** Shares of all searches in the window answered by each tier; hitRate = l1HitRate + l2HitRate. */
  cache: { l1HitRate: number; l2HitRate: number; hitRate: number };
  queues: Record<string, { waiting: number; active: number; failed: number; delayed: number }>;
  batching: Record<
    string,
    { target: number; avgBatchSize: number; p95Ms: number; itemsPerSec: number }
  >;
  /** Most recent first. */
  actions: ActionRecord[];
  process: { eventLoopP99Ms: number; rssBytes: number; heapUsedBytes: number; cpuPercent: number };
  tunables: Record<string, number>;
  history?: MonitorSample[];
}

export interface HealthThresholds {
  /** Search p95 above this (with at least minSamples searches in the window) is degraded. */
  searchP95TargetMs: number;
  minSamples: number;
  /** Event-loop p99 above this is degraded. */
  eventLoopP99LimitMs: number;
  /** RSS above this is degraded. */
  rssLimitBytes: number;
}

export interface ReportInput {
  latest: MonitorSample;
  /** Oldest first, including latest. */
  history: readonly MonitorSample[];
  actions: readonly ActionRecord[];
  thresholds: HealthThresholds;
  ingestQueue: string;
  /** Include this many of the latest samples (0: none). */
  historySamples?: number;
}

const ms = (n: number): number => Math.round(n * 100) / 100;
const rate = (n: number): number => Math.round(n * 1000) / 1000;

function percentiles(s: LatencySummary): Percentiles {
  return { p50Ms: ms(s.p50Ms), p95Ms: ms(s.p95Ms), p99Ms: ms(s.p99Ms), count: s.count };
}

export function healthReasons(sample: MonitorSample, t: HealthThresholds): string[] {
  const reasons: string[] = [];
  if (sample.search.count >= t.minSamples && sample.search.p95Ms > t.searchP95TargetMs) {
    reasons.push(`search p95 ${ms(sample.search.p95Ms)} ms > target ${t.searchP95TargetMs} ms`);
  }
  if (sample.process.eventLoopP99Ms > t.eventLoopP99LimitMs) {
    reasons.push(
      `event-loop delay p99 ${ms(sample.process.eventLoopP99Ms)} ms > limit ${t.eventLoopP99LimitMs} ms`,
    );
  }
  if (sample.process.rssBytes > t.rssLimitBytes) {
    reasons.push(`RSS ${sample.process.rssBytes} bytes > limit ${t.rssLimitBytes} bytes`);
  }
  return reasons;
}

/** The body of GET /v1/health/performance (docs/API.md's shape, plus reasons, tunables and counts). */
export function buildPerformanceReport(input: ReportInput): PerformanceReport {
  const { latest, thresholds } = input;
  const reasons = healthReasons(latest, thresholds);
  const windowStart = latest.at - latest.windowMs;
  const ingestRuns = latest.jobs[input.ingestQueue]?.run;
  const report: PerformanceReport = {
    status: reasons.length === 0 ? 'healthy' : 'degraded',
    reasons,
    sampledAt: new Date(latest.at).toISOString(),
    window: {
      seconds: latest.windowMs / 1000,
      samples: input.history.filter((s) => s.at > windowStart && s.at <= latest.at).length,
    },
    latency: { search: percentiles(latest.search), http: percentiles(latest.http) },
    throughput: {
      requestsPerSec: rate(latest.http.ratePerSec),
      searchesPerSec: rate(latest.search.ratePerSec),
      ingestJobsPerSec: rate(ingestRuns?.ratePerSec ?? 0),
    },
    cache: {
      l1HitRate: rate(latest.cache.l1HitRate),
      l2HitRate: rate(latest.cache.l2HitRate),
      hitRate: rate(latest.cache.hitRate),
    },
    queues: Object.fromEntries(
      Object.entries(latest.queues).map(([name, q]) => [
        name,
        { waiting: q.waiting, active: q.active, failed: q.failed, delayed: q.delayed },
      ]),
    ),
    batching: Object.fromEntries(
      Object.entries(latest.batchers).map(([name, b]) => [
        name,
        {
          target: b.target,
          avgBatchSize: rate(b.avgBatchSize),
          p95Ms: ms(b.p95Ms),
          itemsPerSec: rate(b.itemsPerSec),
        },
      ]),
    ),
    actions: [...input.actions],
    process: {
      eventLoopP99Ms: ms(latest.process.eventLoopP99Ms),
      rssBytes: latest.process.rssBytes,
      heapUsedBytes: latest.process.heapUsedBytes,
      cpuPercent: rate(latest.process.cpuPercent),
    },
    tunables: { ...latest.tunables },
  };
  if (input.historySamples && input.historySamples > 0) {
    report.history = input.history.slice(-input.historySamples);
  }
  return report;
}
