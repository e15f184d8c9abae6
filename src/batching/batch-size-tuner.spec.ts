import { BatchSizeTuner, type TargetChange } from './batch-size-tuner';

function tuner(
  initialSize: number,
  latencyTargetMs = 100,
): { t: BatchSizeTuner; changes: TargetChange[] } {
  const changes: TargetChange[] = [];
  const t = new BatchSizeTuner(
    { minSize: 1, maxSize: 256, initialSize, latencyTargetMs, adapt: true },
    (c) => changes.push(c),
  );
  return { t, changes };
}

/** Feeds `count` full batches at `size` that ran at `ratePerSec` units per second. */
function feed(t: BatchSizeTuner, size: number, ratePerSec: number, count = 3): void {
  for (let i = 0; i < count; i++) {
    t.observe({ target: size, units: size, durationMs: (size / ratePerSec) * 1000, full: true });
  }
}

describe('BatchSizeTuner', () => {
  it('breaks ties towards the smaller size, but never more than 3% below the best seen', () => {
    const { t, changes } = tuner(31, 10_000);
    feed(t, 31, 100);
    feed(t, 39, 101); // bigger, not clearly faster: back to 31
    feed(t, 25, 99); // smaller and as fast: kept
    feed(t, 20, 97.5); // still within 3% of the best (100): kept
    feed(t, 16, 96.5); // 3.5% below the best: back to 20
    expect(changes.map((c) => c.to)).toEqual([39, 31, 25, 20, 16, 20]);
    expect(t.currentPhase).toBe('hold');
    expect(t.target).toBe(20);
  });

  it('takes more samples before deciding when batches scatter', () => {
    const { t } = tuner(16, 10_000);
    for (const rate of [100, 130, 70, 110, 85, 120]) feed(t, 16, rate, 1);
    expect(t.target).toBe(16); // spread of 15-30%: not enough to judge a 3% difference by
    feed(t, 16, 95, 1); // the seventh sample: decide
    expect(t.target).toBe(20);
  });

  it('gives a probe as many samples as a noisy base needed, and asks it to beat the noise', () => {
    const { t, changes } = tuner(16, 10_000);
    for (const rate of [100, 130, 70, 110, 85, 120, 95]) feed(t, 16, rate, 1); // median 100, +-15%
    expect(t.target).toBe(20);
    feed(t, 20, 108, 3); // three tight samples are not enough against a base that needed seven
    expect(changes).toHaveLength(1); // still probing 20
    for (const rate of [120, 96, 115, 100]) feed(t, 20, rate, 1); // median 108
    // 8% better, but within the noise of the two medians (about 11%): not kept.
    expect(changes.slice(0, 2)).toEqual([
      { from: 16, to: 20, reason: 'probe' },
      { from: 20, to: 16, reason: 'reject' },
    ]);
  });

  it('probes the next rung up after three full batches at the base', () => {
    const { t, changes } = tuner(16);
    for (let i = 0; i < 2; i++) t.observe({ target: 16, units: 16, durationMs: 40, full: true });
    expect(t.target).toBe(16);
    t.observe({ target: 16, units: 16, durationMs: 40, full: true });
    expect(t.target).toBe(20);
    expect(changes).toEqual([{ from: 16, to: 20, reason: 'probe' }]);
  });

  it('shrinks on two latency breaches in a row, not on one', () => {
    const interrupted = tuner(64);
    interrupted.t.observe({ target: 64, units: 64, durationMs: 150, full: true }); // a GC pause?
    interrupted.t.observe({ target: 64, units: 64, durationMs: 90, full: true });
    interrupted.t.observe({ target: 64, units: 64, durationMs: 150, full: true });
    expect(interrupted.changes.filter((c) => c.reason === 'latency')).toEqual([]);

    const { t, changes } = tuner(64);
    t.observe({ target: 64, units: 64, durationMs: 150, full: true });
    expect(t.target).toBe(64);
    t.observe({ target: 64, units: 64, durationMs: 200, full: true });
    // 64 * 100 / 200 = 32: the rung at or below it
    expect(changes).toEqual([{ from: 64, to: 31, reason: 'latency' }]);
  });

  it('takes a slow partial batch as evidence against the target', () => {
    const { t } = tuner(64);
    t.observe({ target: 64, units: 20, durationMs: 200, full: false });
    t.observe({ target: 64, units: 20, durationMs: 200, full: false });
    expect(t.target).toBe(10); // 20 items took twice the limit: sizes above 10 cannot meet it
  });

  it('halves the target on a failure, and keeps an operator target', () => {
    const { t } = tuner(64);
    t.onFailure();
    expect(t.target).toBe(31);
    t.setTarget(100);
    expect(t.target).toBe(100);
    t.setTarget(0);
    expect(t.target).toBe(1);
  });
});
