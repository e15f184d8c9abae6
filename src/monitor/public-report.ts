import type { BatcherSample, MonitorSample } from './monitor.types';
import type { PerformanceReport } from './performance-report';

/** Batchers named after a collection (`upsert:<collection>`): shown summed under their kind. */
const PER_COLLECTION_KINDS = new Set(['upsert']);

type BatchingEntry = PerformanceReport['batching'][string];

function publicName(name: string): string {
  const kind = name.split(':', 1)[0];
  return PER_COLLECTION_KINDS.has(kind) ? kind : name;
}

/** Folds entries whose public names coincide: rates and counts add up, latencies take the worst. */
function foldByName<T>(entries: Record<string, T>, merge: (a: T, b: T) => T): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [name, value] of Object.entries(entries)) {
    const key = publicName(name);
    out[key] = key in out ? merge(out[key], value) : value;
  }
  return out;
}

/** Mean batch size of two batchers, weighted by the items each moved. */
function weightedBatchSize(a: BatchingEntry, b: BatchingEntry): number {
  const items = a.itemsPerSec + b.itemsPerSec;
  if (items === 0) return Math.max(a.avgBatchSize, b.avgBatchSize);
  return (a.avgBatchSize * a.itemsPerSec + b.avgBatchSize * b.itemsPerSec) / items;
}

const mergeEntry = (a: BatchingEntry, b: BatchingEntry): BatchingEntry => ({
  target: Math.max(a.target, b.target),
  avgBatchSize: Math.round(weightedBatchSize(a, b) * 1000) / 1000,
  p95Ms: Math.max(a.p95Ms, b.p95Ms),
  itemsPerSec: Math.round((a.itemsPerSec + b.itemsPerSec) * 1000) / 1000,
});

const mergeSample = (a: BatcherSample, b: BatcherSample): BatcherSample => ({
  ...a,
  ...mergeEntry(a, b),
  maxWaitMs: Math.max(a.maxWaitMs, b.maxWaitMs),
  concurrency: a.concurrency + b.concurrency,
  p50Ms: Math.max(a.p50Ms, b.p50Ms),
  queued: a.queued + b.queued,
  inFlight: a.inFlight + b.inFlight,
});

function publicSample(sample: MonitorSample): MonitorSample {
  return { ...sample, batchers: foldByName(sample.batchers, mergeSample) };
}

/**
 * The performance report as anyone may see it: the same figures, but no collection names
 * (per-collection batchers are summed under their kind). The full report needs the admin scope.
 */
export function withoutCollectionNames(report: PerformanceReport): PerformanceReport {
  return {
    ...report,
    batching: foldByName(report.batching, mergeEntry),
    ...(report.history ? { history: report.history.map(publicSample) } : {}),
  };
}
