import type {
  BatcherSample,
  JobTimesSample,
  LatencySummary,
  MonitorSample,
  ProcessSample,
  QueueCounts,
} from '../monitor.types';
import type { RuleState } from '../rules/rule.types';
import type { TunableView } from '../tunables';

/** Builders of samples and rule states for tests: an idle, healthy process unless told otherwise. */

export function latency(
  p95Ms: number,
  count = 100,
  over: Partial<LatencySummary> = {},
): LatencySummary {
  return {
    count,
    ratePerSec: count / 60,
    p50Ms: p95Ms / 2,
    p95Ms,
    p99Ms: p95Ms * 1.2,
    maxMs: p95Ms * 1.5,
    meanMs: p95Ms / 2,
    ...over,
  };
}

export const NO_LATENCY: LatencySummary = latency(0, 0);

export function queue(waiting: number, over: Partial<QueueCounts> = {}): QueueCounts {
  return { waiting, active: 0, delayed: 0, failed: 0, completed: 0, ...over };
}

export function jobs(waitP95Ms: number, runP95Ms: number, count = 100): JobTimesSample {
  return { wait: latency(waitP95Ms, count), run: latency(runP95Ms, count) };
}

export function batcher(kind: string, p95Ms: number, target = 16): BatcherSample {
  return {
    kind,
    target,
    maxWaitMs: 10,
    concurrency: 1,
    avgBatchSize: target,
    itemsPerSec: 100,
    p50Ms: p95Ms / 2,
    p95Ms,
    queued: 0,
    inFlight: 0,
  };
}

const MiB = 1024 * 1024;

export function processSample(over: Partial<ProcessSample> = {}): ProcessSample {
  return {
    eventLoopP99Ms: 12,
    eventLoopMeanMs: 10,
    eventLoopMaxMs: 20,
    rssBytes: 200 * MiB,
    heapUsedBytes: 80 * MiB,
    heapTotalBytes: 120 * MiB,
    heapLimitBytes: 4096 * MiB,
    cpuPercent: 20,
    ...over,
  };
}

export function sample(over: Partial<MonitorSample> = {}): MonitorSample {
  return {
    at: 1_700_000_000_000,
    windowMs: 60_000,
    queues: { ingest: queue(0), search: queue(0) },
    jobs: {},
    http: NO_LATENCY,
    search: NO_LATENCY,
    cache: { l1Hits: 0, l2Hits: 0, misses: 0, l1HitRate: 0, l2HitRate: 0, hitRate: 0 },
    batchers: {},
    process: processSample(),
    probes: {},
    tunables: {},
    ...over,
  };
}

export function tunable(value: number, min: number, max: number, baseline = value): TunableView {
  return { value, min, max, baseline, integer: true };
}

export function state(over: Partial<RuleState> = {}): RuleState {
  return {
    now: 1_700_000_000_000,
    tunables: {},
    tasks: new Set(),
    runningTasks: new Set(),
    ...over,
  };
}
