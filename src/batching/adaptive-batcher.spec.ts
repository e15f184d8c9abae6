import {
  AdaptiveBatcher,
  type AdaptiveBatcherOptions,
  type BatchReport,
  type TargetChange,
} from './index';

/*
 * Time is virtual in most of these tests (jest's fake clock drives setTimeout, setImmediate and
 * performance.now): the batcher runs unchanged, and a synthetic workload "takes" cost(n) ms per
 * batch of n by sleeping on that clock, so measured durations are exact and runs reproducible.
 */

type CostCurve = (batchSize: number) => number;

/** Per-batch time a + b*n + c*n^2 (whole ms, as timers count): items/s peaks near sqrt(a/c). */
const quadratic =
  (a: number, b: number, c: number): CostCurve =>
  (n) =>
    Math.round(a + b * n + c * n * n);

const itemsPerMs = (cost: CostCurve, n: number): number => n / cost(n);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const advance = (ms: number): Promise<void> => jest.advanceTimersByTimeAsync(ms);

/** A run() that doubles numbers and takes cost(n) ms of (virtual) time; logs every call. */
class SyntheticWorkload {
  readonly calls: { startedAt: number; items: number[] }[] = [];
  /** Makes a call fail (after its cost) when this says so: a poisoned item. */
  failWhen: (items: number[]) => boolean = () => false;

  constructor(public cost: CostCurve) {}

  readonly run = async (items: number[]): Promise<number[]> => {
    this.calls.push({ startedAt: performance.now(), items: [...items] });
    await sleep(this.cost(items.length));
    if (this.failWhen(items)) throw new Error('poisoned item 13');
    return items.map((x) => x * 2);
  };

  get sizes(): number[] {
    return this.calls.map((c) => c.items.length);
  }
}

function batcherFor(
  workload: SyntheticWorkload,
  overrides: Partial<AdaptiveBatcherOptions<number, number>> = {},
): { batcher: AdaptiveBatcher<number, number>; reports: BatchReport[] } {
  const reports: BatchReport[] = [];
  const batcher = new AdaptiveBatcher<number, number>({
    name: 'test',
    run: workload.run,
    minSize: 1,
    maxSize: 256,
    initialSize: 8,
    maxWaitMs: 20,
    latencyTargetMs: 10_000,
    onBatch: (r) => reports.push(r),
    ...overrides,
  });
  return { batcher, reports };
}

/** `clients` callers each submitting one item at a time, back to back: steady load. */
function closedLoop(batcher: AdaptiveBatcher<number, number>, clients: number): () => void {
  let stopped = false;
  let next = 0;
  for (let c = 0; c < clients; c++) {
    void (async () => {
      while (!stopped) await batcher.submit(next++);
    })();
  }
  return () => {
    stopped = true;
  };
}

/** The target most batches were formed at over the latest `window` full batches. */
function settledTarget(reports: BatchReport[], window = 60): number {
  const counts = new Map<number, number>();
  for (const r of reports.filter((r) => r.full && !r.retry).slice(-window)) {
    counts.set(r.target, (counts.get(r.target) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
}

/** Deterministic uniform numbers in [0, 1) (a linear congruential generator). */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function bestSize(cost: CostCurve, maxSize: number): number {
  let best = 1;
  for (let n = 1; n <= maxSize; n++) if (itemsPerMs(cost, n) > itemsPerMs(cost, best)) best = n;
  return best;
}

async function finish(batcher: AdaptiveBatcher<number, number>, stop?: () => void): Promise<void> {
  stop?.();
  const closed = batcher.close();
  await advance(60_000);
  await closed;
}

describe('AdaptiveBatcher', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());

  describe('batching', () => {
    it('fills one batch with items from many concurrent callers, in arrival order', async () => {
      const work = new SyntheticWorkload(() => 10);
      const { batcher } = batcherFor(work, { initialSize: 8, adapt: false, maxWaitMs: 1000 });

      const first = batcher.submit(100);
      await advance(1); // the lone item left at once; the rest arrive while it runs
      const single = Array.from({ length: 11 }, (_, i) => batcher.submit(i));
      const many = batcher.submitMany([50, 51, 52, 53, 54]);
      await advance(100);

      expect(work.sizes).toEqual([1, 8, 8]);
      expect(work.calls[1].items).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(work.calls[2].items).toEqual([8, 9, 10, 50, 51, 52, 53, 54]);
      await expect(first).resolves.toBe(200);
      await expect(Promise.all(single)).resolves.toEqual(
        Array.from({ length: 11 }, (_, i) => i * 2),
      );
      await expect(many).resolves.toEqual([100, 102, 104, 106, 108]);
      await finish(batcher);
    });

    it('maps each result back to its own caller when callers interleave', async () => {
      const seen: string[][] = [];
      const batcher = new AdaptiveBatcher<string, string>({
        name: 'echo',
        run: async (items) => {
          seen.push(items);
          await sleep(5);
          return items.map((s) => s.toUpperCase());
        },
        minSize: 1,
        maxSize: 64,
        initialSize: 64,
        maxWaitMs: 50,
        latencyTargetMs: 1000,
        adapt: false,
      });
      const words = Array.from({ length: 40 }, (_, i) => `w${i}`);
      const pending = words.map((w, i) =>
        i % 3 === 0 ? batcher.submitMany([w, `${w}b`]) : batcher.submit(w),
      );
      await advance(100);
      const results = await Promise.all(pending);
      results.forEach((r, i) => expect(r).toEqual(i % 3 === 0 ? [`W${i}`, `W${i}B`] : `W${i}`));
      expect(seen).toHaveLength(1); // submitted in one turn: one batch
      await batcher.close();
    });

    it('dispatches a lone item at once when nothing is in flight, whatever maxWaitMs is', async () => {
      const work = new SyntheticWorkload(() => 7);
      const { batcher, reports } = batcherFor(work, { initialSize: 64, maxWaitMs: 5_000 });
      const t0 = performance.now();
      const result = batcher.submit(21);
      await advance(7);
      await expect(result).resolves.toBe(42);
      expect(work.calls[0].startedAt - t0).toBe(0);
      expect(reports[0]).toMatchObject({ size: 1, waitMs: 0, full: false });
      await finish(batcher);
    });

    it('lets a partial batch wait for company at most maxWaitMs while another batch runs', async () => {
      const work = new SyntheticWorkload(() => 1000);
      const { batcher } = batcherFor(work, {
        initialSize: 8,
        adapt: false,
        maxWaitMs: 50,
        concurrency: 2,
      });
      const t0 = performance.now();
      void batcher.submit(1); // idle: runs at once, occupying one slot
      await advance(10);
      const late = batcher.submit(2); // a slot is free, but a batch is in flight: wait for company
      await advance(49);
      expect(work.calls).toHaveLength(1);
      await advance(1);
      expect(work.calls).toHaveLength(2);
      expect(work.calls[1].startedAt - t0).toBe(60);
      await advance(1000);
      await expect(late).resolves.toBe(4);
      await finish(batcher);
    });

    it('with every slot busy, lets items accumulate and sends them together when one frees', async () => {
      const work = new SyntheticWorkload(() => 100);
      const { batcher } = batcherFor(work, { initialSize: 16, adapt: false, maxWaitMs: 5 });
      void batcher.submit(0);
      for (let t = 1; t <= 5; t++) {
        await advance(10);
        void batcher.submit(t);
      }
      await advance(200);
      expect(work.calls.map((c) => c.items)).toEqual([[0], [1, 2, 3, 4, 5]]);
      // The next batch leaves right after the first ends (the fake clock adds 1 ms to the
      // zero-delay setImmediate the batcher yields through between batches).
      expect(work.calls[1].startedAt - work.calls[0].startedAt).toBeGreaterThanOrEqual(100);
      expect(work.calls[1].startedAt - work.calls[0].startedAt).toBeLessThanOrEqual(101);
      await finish(batcher);
    });

    it('takes items by total weight when a weight function is given', async () => {
      const runs: string[][] = [];
      const batcher = new AdaptiveBatcher<string, number>({
        name: 'tokens',
        run: async (texts) => {
          runs.push(texts);
          await sleep(1);
          return texts.map((t) => t.length);
        },
        weight: (text) => text.length,
        minSize: 1,
        maxSize: 100,
        initialSize: 10,
        maxWaitMs: 0,
        latencyTargetMs: 1000,
        adapt: false,
      });
      void batcher.submit('x'); // occupies the batcher while the rest queue
      await advance(0);
      const texts = ['aaaa', 'bbbb', 'cc', 'dddddddddddddddd', 'e', 'ff'];
      const all = batcher.submitMany(texts);
      await advance(20);
      await expect(all).resolves.toEqual([4, 4, 2, 16, 1, 2]);
      // 4+4+2 = 10 fills the target; 16 exceeds it and runs alone; the rest fit together.
      expect(runs.slice(1)).toEqual([['aaaa', 'bbbb', 'cc'], ['dddddddddddddddd'], ['e', 'ff']]);
      await batcher.close();
    });
  });

  describe('adaptation', () => {
    it('settles near the best size of a cost curve with an interior optimum', async () => {
      const cost = quadratic(20, 0.1, 0.05); // best items/s at n = 20
      const best = bestSize(cost, 256);
      expect(best).toBeGreaterThanOrEqual(19);
      expect(best).toBeLessThanOrEqual(22);
      for (const initialSize of [4, 128]) {
        const work = new SyntheticWorkload(cost);
        const { batcher, reports } = batcherFor(work, { initialSize });
        const stop = closedLoop(batcher, 512);
        await advance(20_000);
        const settled = settledTarget(reports);
        expect(settled).toBeGreaterThanOrEqual(best / 1.6);
        expect(settled).toBeLessThanOrEqual(best * 1.6);
        expect(itemsPerMs(cost, settled)).toBeGreaterThanOrEqual(0.95 * itemsPerMs(cost, best));
        await finish(batcher, stop);
      }
    });

    it('stays near the optimum when batch times scatter by up to 20%', async () => {
      const cost = quadratic(20, 0.1, 0.05);
      const best = itemsPerMs(cost, bestSize(cost, 256));
      for (const [seed, initialSize] of [
        [1, 4],
        [2, 128],
        [3, 4],
        [4, 128],
      ]) {
        const random = seededRandom(seed);
        const work = new SyntheticWorkload((n) => Math.round(cost(n) * (0.8 + 0.4 * random())));
        const { batcher, reports } = batcherFor(work, { initialSize });
        const stop = closedLoop(batcher, 512);
        await advance(120_000);
        // Throughput the chosen sizes are worth on the true (noise-free) curve, late in the run.
        const late = reports.filter((r) => r.full).slice(-300);
        const worth = late.reduce((sum, r) => sum + itemsPerMs(cost, r.target), 0) / late.length;
        expect(worth / best).toBeGreaterThan(0.9);
        await finish(batcher, stop);
      }
    });

    it('follows the optimum when the cost curve changes', async () => {
      const small = quadratic(20, 0.1, 0.05); // best at 20
      const large = quadratic(80, 0.1, 0.02); // best at 63
      const work = new SyntheticWorkload(small);
      const { batcher, reports } = batcherFor(work, { initialSize: 8 });
      const stop = closedLoop(batcher, 512);

      await advance(15_000);
      expect(itemsPerMs(small, settledTarget(reports))).toBeGreaterThan(
        0.95 * itemsPerMs(small, bestSize(small, 256)),
      );

      work.cost = large;
      await advance(30_000);
      const afterGrowth = settledTarget(reports);
      expect(afterGrowth).toBeGreaterThanOrEqual(40);
      expect(itemsPerMs(large, afterGrowth)).toBeGreaterThan(
        0.95 * itemsPerMs(large, bestSize(large, 256)),
      );

      work.cost = small;
      await advance(30_000);
      const afterShrink = settledTarget(reports);
      expect(afterShrink).toBeLessThanOrEqual(31);
      expect(itemsPerMs(small, afterShrink)).toBeGreaterThan(
        0.95 * itemsPerMs(small, bestSize(small, 256)),
      );
      await finish(batcher, stop);
    });

    it('never keeps a size whose batches break latencyTargetMs, even when bigger is faster', async () => {
      const cost: CostCurve = (n) => 10 + n; // items/s always grows with n; 50 ms allows n <= 40
      for (const initialSize of [4, 200]) {
        const work = new SyntheticWorkload(cost);
        const { batcher, reports } = batcherFor(work, { initialSize, latencyTargetMs: 50 });
        const stop = closedLoop(batcher, 512);
        await advance(30_000);
        const settled = settledTarget(reports, 100);
        expect(cost(settled)).toBeLessThanOrEqual(50);
        expect(settled).toBeGreaterThanOrEqual(31); // and it still goes as far as the cap allows
        const lateFull = reports.filter((r) => r.full).slice(-300);
        const breaches = lateFull.filter((r) => r.durationMs > 50).length;
        expect(breaches / lateFull.length).toBeLessThan(0.03);
        await finish(batcher, stop);
      }
    });

    it('adapts only on full batches: light load leaves the target alone', async () => {
      const work = new SyntheticWorkload(quadratic(20, 0.1, 0.05));
      const retunes: TargetChange[] = [];
      const { batcher, reports } = batcherFor(work, {
        initialSize: 64,
        onRetune: (change) => retunes.push(change),
      });
      const stop = closedLoop(batcher, 5); // never more than 5 waiting: no batch of 64 ever forms
      await advance(10_000);
      expect(reports.length).toBeGreaterThan(100);
      expect(reports.every((r) => !r.full)).toBe(true);
      expect(retunes).toEqual([]); // batches of 5 said nothing about sizes 49, 64 or 76
      expect(batcher.target).toBe(64);
      await finish(batcher, stop);
    });

    it('keeps a fixed target when adapt is false', async () => {
      const work = new SyntheticWorkload(quadratic(20, 0.1, 0.05));
      const { batcher, reports } = batcherFor(work, { initialSize: 100, adapt: false });
      const stop = closedLoop(batcher, 512);
      await advance(5_000);
      expect(new Set(reports.map((r) => r.size))).toEqual(new Set([100]));
      await finish(batcher, stop);
    });
  });

  describe('failures', () => {
    const poisoned = (): SyntheticWorkload => {
      const work = new SyntheticWorkload(() => 5);
      work.failWhen = (items) => items.includes(13);
      return work;
    };

    it('fails only the poisoned item, backs the target off and counts the errors', async () => {
      const work = poisoned();
      const { batcher } = batcherFor(work, { initialSize: 32, maxWaitMs: 0 });
      void batcher.submit(-1); // occupies the batcher so the 32 below form one full batch
      await advance(0);
      const results = Array.from({ length: 32 }, (_, i) => batcher.submit(i));
      const settled = Promise.allSettled(results);
      await advance(1_000);
      const outcome = await settled;

      outcome.forEach((o, i) => {
        if (i === 13)
          expect(o).toEqual({ status: 'rejected', reason: new Error('poisoned item 13') });
        else expect(o).toEqual({ status: 'fulfilled', value: i * 2 });
      });
      expect(work.calls[1].items).toHaveLength(32);
      const stats = batcher.stats();
      expect(stats.failedItems).toBe(1);
      expect(stats.errors).toBe(6); // the batch of 32, then halves of 16, 8, 4, 2 and the item alone
      expect(stats.retries).toBe(10);
      expect(batcher.target).toBeLessThanOrEqual(16);
      await finish(batcher);
    });

    it('gives up bisecting when the downstream fails every call', async () => {
      const calls: number[] = [];
      const batcher = new AdaptiveBatcher<number, number>({
        name: 'down',
        run: async (items) => {
          calls.push(items.length);
          await sleep(1);
          throw new Error('connection refused');
        },
        minSize: 1,
        maxSize: 64,
        initialSize: 32,
        maxWaitMs: 0,
        latencyTargetMs: 1000,
        adapt: false,
      });
      const outcome = Promise.allSettled(Array.from({ length: 32 }, (_, i) => batcher.submit(i)));
      await advance(1_000);
      const results = await outcome;
      expect(results.every((r) => r.status === 'rejected')).toBe(true);
      expect(batcher.stats().failedItems).toBe(32);
      expect(calls.length).toBeLessThanOrEqual(Math.log2(32) + 2); // not 2n-1 = 63 calls
      await batcher.close();
    });

    it('rejects every item when run() returns the wrong number of results', async () => {
      const batcher = new AdaptiveBatcher<number, number>({
        name: 'short',
        run: async (items) => items.slice(1),
        minSize: 1,
        maxSize: 8,
        initialSize: 8,
        maxWaitMs: 0,
        latencyTargetMs: 1000,
      });
      const pending = batcher.submitMany([1, 2, 3]);
      const check = expect(pending).rejects.toThrow(
        /returned 2 results for 3 items|returned 0 results/,
      );
      await advance(10);
      await check;
      await batcher.close();
    });
  });

  describe('control', () => {
    it('applies setTarget to the next batch and climbs on from there', async () => {
      const work = new SyntheticWorkload(() => 10);
      const { batcher } = batcherFor(work, { initialSize: 32, adapt: false });
      const stop = closedLoop(batcher, 200);
      await advance(50);
      batcher.setTarget(4);
      expect(batcher.target).toBe(4);
      const before = work.calls.length;
      await advance(50);
      expect(work.sizes.slice(before + 1)).toEqual(Array(work.sizes.length - before - 1).fill(4));
      batcher.setTarget(10_000);
      expect(batcher.target).toBe(256); // clamped to maxSize
      await finish(batcher, stop);
    });

    it('applies setMaxWaitMs to an item already waiting', async () => {
      const work = new SyntheticWorkload(() => 1000);
      const { batcher } = batcherFor(work, { adapt: false, maxWaitMs: 500, concurrency: 2 });
      void batcher.submit(1);
      await advance(0);
      void batcher.submit(2);
      await advance(10);
      batcher.setMaxWaitMs(20);
      await advance(9);
      expect(work.calls).toHaveLength(1);
      await advance(1);
      expect(work.calls).toHaveLength(2);
      expect(batcher.stats().maxWaitMs).toBe(20);
      await finish(batcher);
    });

    it('drain waits for queued work without holding partial batches back', async () => {
      const work = new SyntheticWorkload(() => 100);
      const { batcher } = batcherFor(work, { adapt: false, maxWaitMs: 10_000, concurrency: 2 });
      void batcher.submit(1);
      await advance(0);
      const waiting = batcher.submit(2);
      let drained = false;
      void batcher.drain().then(() => (drained = true));
      await advance(102);
      expect(work.calls).toHaveLength(2);
      expect(work.calls[1].startedAt).toBe(work.calls[0].startedAt); // not after maxWaitMs
      await expect(waiting).resolves.toBe(4);
      expect(drained).toBe(true);
      expect(batcher.stats()).toMatchObject({ queued: 0, inFlight: 0 });
    });

    it('close finishes queued work and rejects new submissions with a clear error', async () => {
      const work = new SyntheticWorkload(() => 10);
      const { batcher } = batcherFor(work, { adapt: false });
      const queued = batcher.submitMany([1, 2, 3]);
      const closing = batcher.close();
      await expect(batcher.submit(4)).rejects.toThrow('AdaptiveBatcher "test" is closed');
      await advance(100);
      await closing;
      await expect(queued).resolves.toEqual([2, 4, 6]);
    });

    it('reports throughput, latency percentiles and counts', async () => {
      const work = new SyntheticWorkload((n) => n); // 1 ms per item
      const { batcher, reports } = batcherFor(work, { initialSize: 10, adapt: false });
      const stop = closedLoop(batcher, 40);
      await advance(5_000);
      const stats = batcher.stats();
      const finished = reports.filter((r) => r.ok).reduce((sum, r) => sum + r.size, 0);
      expect(stats.itemsPerSec).toBeCloseTo(finished / 5, 0); // the batcher is 5 s old
      expect(stats.itemsPerSec).toBeGreaterThan(850); // 10 items per 10-11 ms
      expect(stats.p50BatchMs).toBe(10);
      expect(stats.p95BatchMs).toBe(10);
      expect(stats.avgBatchSize).toBeCloseTo(10, 0);
      expect(stats.items).toBeGreaterThanOrEqual(finished);
      expect(stats).toMatchObject({ target: 10, errors: 0, failedItems: 0, inFlight: 1 });
      await finish(batcher, stop);
    });

    it('rejects inconsistent options', () => {
      const work = new SyntheticWorkload(() => 1);
      expect(() => batcherFor(work, { minSize: 8, initialSize: 4 })).toThrow(/initialSize/);
      expect(() => batcherFor(work, { concurrency: 0 })).toThrow(/concurrency/);
    });
  });
});

describe('AdaptiveBatcher on the real clock', () => {
  it('answers a lone request without waiting for maxWaitMs', async () => {
    const batcher = new AdaptiveBatcher<number, number>({
      name: 'real',
      run: async (items) => items.map((x) => x + 1),
      minSize: 1,
      maxSize: 64,
      initialSize: 32,
      maxWaitMs: 5_000,
      latencyTargetMs: 100,
    });
    const startedAt = performance.now();
    await expect(batcher.submit(1)).resolves.toBe(2);
    expect(performance.now() - startedAt).toBeLessThan(250);
    await batcher.close();
  });

  it('yields to timers and I/O between batches even when run() never leaves the microtask queue', async () => {
    const batcher = new AdaptiveBatcher<number, number>({
      name: 'sync-work',
      run: async (items) => items, // resolves without a macrotask: CPU work behind a promise
      minSize: 1,
      maxSize: 4,
      initialSize: 4,
      maxWaitMs: 5,
      latencyTargetMs: 100,
    });
    let timerFired = false;
    setTimeout(() => (timerFired = true), 10);
    const cap = 200_000; // ends the load even if timers starve, so a regression fails instead of hanging
    let done = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (!timerFired && done < cap) {
          await batcher.submit(done);
          done++;
        }
      }),
    );
    expect(timerFired).toBe(true);
    expect(done).toBeLessThan(cap);
    await batcher.close();
  });
});
