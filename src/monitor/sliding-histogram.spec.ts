import { SlidingCounter } from './sliding-counter';
import { SlidingHistogram } from './sliding-histogram';

function fakeClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('SlidingHistogram', () => {
  it('gives exact-enough percentiles on known data (1..1000 ms)', () => {
    const clock = fakeClock();
    const h = new SlidingHistogram({ now: clock.now });
    // Shuffled order, to show order does not matter.
    const values = Array.from({ length: 1000 }, (_, i) => i + 1).sort(
      (a, b) => ((a * 7919) % 1009) - ((b * 7919) % 1009),
    );
    for (const v of values) h.record(v);
    const s = h.summary();
    expect(s.count).toBe(1000);
    // 2 significant digits: within 1% of the true order statistic.
    const within1pct = (actual: number, expected: number) =>
      expect(Math.abs(actual - expected) / expected).toBeLessThanOrEqual(0.01);
    within1pct(s.p50Ms, 500);
    within1pct(s.p95Ms, 950);
    within1pct(s.p99Ms, 990);
    within1pct(s.maxMs, 1000);
    expect(Math.abs(s.meanMs - 500.5) / 500.5).toBeLessThanOrEqual(0.01);
  });

  it('keeps sub-millisecond resolution', () => {
    const h = new SlidingHistogram();
    for (let i = 0; i < 100; i++) h.record(0.25);
    expect(h.summary().p50Ms).toBeCloseTo(0.25, 2);
  });

  it('forgets values once their sub-window leaves the window', () => {
    const clock = fakeClock(0);
    const h = new SlidingHistogram({ windowMs: 60_000, slots: 12, now: clock.now });
    for (let i = 0; i < 100; i++) h.record(10);
    clock.advance(30_000);
    for (let i = 0; i < 100; i++) h.record(1000);
    let s = h.summary();
    expect(s.count).toBe(200);
    expect(s.p50Ms).toBeCloseTo(10, 1);
    expect(s.p95Ms).toBeCloseTo(1000, -1);

    clock.advance(31_000); // t = 61 s: the first sub-window (0-5 s) has left
    s = h.summary();
    expect(s.count).toBe(100);
    expect(s.p50Ms).toBeCloseTo(1000, -1);

    clock.advance(60_000); // everything has left
    expect(h.summary()).toMatchObject({ count: 0, p95Ms: 0, ratePerSec: 0 });
  });

  it('computes the rate over the time actually covered', () => {
    const clock = fakeClock(0);
    const h = new SlidingHistogram({ windowMs: 60_000, slots: 12, now: clock.now });
    clock.advance(10_000);
    for (let i = 0; i < 50; i++) h.record(5);
    // Created at 0, read at 10 s: 50 values over 10 s, not over the full 60 s.
    expect(h.summary().ratePerSec).toBeCloseTo(5, 5);
    clock.advance(110_000);
    for (let i = 0; i < 120; i++) h.record(5);
    // 120 s in: the window covers 55-60 s; the 120 values are in the last sub-window.
    expect(h.summary().ratePerSec).toBeCloseTo(120 / 55, 1);
  });

  it('clamps values beyond the highest trackable one instead of throwing', () => {
    const h = new SlidingHistogram({ highestMs: 1000 });
    h.record(5_000);
    h.record(-3);
    h.record(Number.NaN);
    const s = h.summary();
    expect(s.count).toBe(2);
    expect(s.maxMs).toBeLessThanOrEqual(1010);
  });
});

describe('SlidingCounter', () => {
  it('totals counts per key inside the window only', () => {
    const clock = fakeClock(0);
    const c = new SlidingCounter<'l1' | 'miss'>({ windowMs: 10_000, slots: 10, now: clock.now });
    c.add('l1', 3);
    c.add('miss');
    clock.advance(5_000);
    c.add('l1');
    expect(Object.fromEntries(c.totals())).toEqual({ l1: 4, miss: 1 });
    clock.advance(6_000);
    expect(Object.fromEntries(c.totals())).toEqual({ l1: 1 });
  });
});
