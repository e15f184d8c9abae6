import { quantile } from './quantile';

/** Batch latency percentiles cover this many of the latest successful run() calls. */
const LATENCY_WINDOW = 128;
/** itemsPerSec counts the items finished in this trailing window. */
export const RATE_WINDOW_MS = 10_000;

export interface RecentFigures {
  itemsPerSec: number;
  p50BatchMs: number;
  p95BatchMs: number;
}

/** Recent throughput and batch latency percentiles, over sliding windows. */
export class RecentBatches {
  private readonly durations: number[] = [];
  private readonly completions: { endedAt: number; items: number }[] = [];
  private itemsInWindow = 0;

  constructor(private readonly startedAt: number) {}

  add(endedAt: number, items: number, durationMs: number): void {
    this.durations.push(durationMs);
    if (this.durations.length > LATENCY_WINDOW) this.durations.shift();
    this.completions.push({ endedAt, items });
    this.itemsInWindow += items;
    this.prune(endedAt);
  }

  figures(now: number): RecentFigures {
    this.prune(now);
    // Until the batcher is RATE_WINDOW_MS old, the window is its age, not the full window.
    const windowMs = Math.max(1, Math.min(RATE_WINDOW_MS, now - this.startedAt));
    return {
      itemsPerSec: (this.itemsInWindow * 1000) / windowMs,
      p50BatchMs: this.durations.length ? quantile(this.durations, 0.5) : 0,
      p95BatchMs: this.durations.length ? quantile(this.durations, 0.95) : 0,
    };
  }

  private prune(now: number): void {
    while (this.completions.length && this.completions[0].endedAt <= now - RATE_WINDOW_MS) {
      this.itemsInWindow -= this.completions.shift()?.items ?? 0;
    }
  }
}
