import { type Clock, RotatingRing } from './rotating-ring';

export interface SlidingCounterOptions {
  windowMs?: number;
  slots?: number;
  now?: Clock;
}

/** Event counts by key (e.g. cache tier) over a sliding window, with the same rotation as SlidingHistogram. */
export class SlidingCounter<K extends string> {
  private readonly ring: RotatingRing<Map<K, number>>;

  constructor(options: SlidingCounterOptions = {}) {
    this.ring = new RotatingRing<Map<K, number>>(
      { windowMs: options.windowMs ?? 60_000, slots: options.slots ?? 12, now: options.now },
      () => new Map<K, number>(),
      (counts) => counts.clear(),
    );
  }

  add(key: K, count = 1): void {
    const counts = this.ring.current();
    counts.set(key, (counts.get(key) ?? 0) + count);
  }

  /** Totals per key over the window (keys never seen are absent). */
  totals(): Map<K, number> {
    const totals = new Map<K, number>();
    for (const counts of this.ring.live()) {
      for (const [key, n] of counts) totals.set(key, (totals.get(key) ?? 0) + n);
    }
    return totals;
  }

  coveredSeconds(): number {
    return this.ring.coveredMs() / 1000;
  }
}
