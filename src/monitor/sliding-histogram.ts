import { build, type Histogram } from 'hdr-histogram-js';
import { type Clock, RotatingRing } from './rotating-ring';

export interface LatencySummary {
  /** Values recorded in the window. */
  count: number;
  /** count divided by the time the window covers. */
  ratePerSec: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

export interface SlidingHistogramOptions {
  /** Default 60 s. */
  windowMs?: number;
  /** Default 12 (5 s sub-windows at the default window). */
  slots?: number;
  /** Largest value kept exactly, in ms; larger ones are clamped (default 1 h). */
  highestMs?: number;
  now?: Clock;
}

/** Values are kept in microseconds: HDR histograms count integers, latencies need sub-ms. */
const UNITS_PER_MS = 1000;

const newHistogram = (highestMs: number): Histogram =>
  build({
    useWebAssembly: false,
    bitBucketSize: 32,
    autoResize: false,
    lowestDiscernibleValue: 1,
    highestTrackableValue: Math.ceil(highestMs * UNITS_PER_MS),
    numberOfSignificantValueDigits: 2,
  });

export const EMPTY_LATENCY: LatencySummary = Object.freeze({
  count: 0,
  ratePerSec: 0,
  p50Ms: 0,
  p95Ms: 0,
  p99Ms: 0,
  maxMs: 0,
  meanMs: 0,
});

/**
 * Latency percentiles over a sliding window: a ring of HDR histograms (2 significant digits, so
 * within 1%; pure JS; about 14 KB each), one per sub-window; a read merges the live ones. Empty windows read as all zeros
 * with count 0, so check count before trusting a percentile.
 */
export class SlidingHistogram {
  private readonly ring: RotatingRing<Histogram>;
  private readonly merged: Histogram;
  private readonly highest: number;

  constructor(options: SlidingHistogramOptions = {}) {
    const highestMs = options.highestMs ?? 3_600_000;
    this.highest = Math.ceil(highestMs * UNITS_PER_MS);
    this.ring = new RotatingRing<Histogram>(
      { windowMs: options.windowMs ?? 60_000, slots: options.slots ?? 12, now: options.now },
      () => newHistogram(highestMs),
      (h) => h.reset(),
    );
    this.merged = newHistogram(highestMs);
  }

  get windowMs(): number {
    return this.ring.windowMs;
  }

  record(valueMs: number): void {
    if (!Number.isFinite(valueMs)) return;
    const units = Math.min(this.highest, Math.max(0, Math.round(valueMs * UNITS_PER_MS)));
    this.ring.current().recordValue(units);
  }

  summary(): LatencySummary {
    const merged = this.merged;
    merged.reset();
    for (const h of this.ring.live()) merged.add(h);
    const count = merged.totalCount;
    if (count === 0) return { ...EMPTY_LATENCY };
    const ms = (units: number): number => units / UNITS_PER_MS;
    return {
      count,
      ratePerSec: count / (this.ring.coveredMs() / 1000),
      p50Ms: ms(merged.getValueAtPercentile(50)),
      p95Ms: ms(merged.getValueAtPercentile(95)),
      p99Ms: ms(merged.getValueAtPercentile(99)),
      maxMs: ms(merged.maxValue),
      meanMs: ms(merged.mean),
    };
  }
}
