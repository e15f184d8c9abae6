import {
  BatchSizeTuner,
  type SizeBucketSnapshot,
  type TargetChange,
  type TunerPhase,
} from './batch-size-tuner';
import { RecentBatches } from './recent-batches';

export interface BatchReport {
  /** Items in the run() call. */
  size: number;
  /** Total weight of those items (equals size without a weight function). */
  units: number;
  durationMs: number;
  /** How long the batch's oldest item waited in the queue before the call started. */
  waitMs: number;
  ok: boolean;
  /** The target in force when the batch was formed. */
  target: number;
  /** The batch was cut by the target (more was waiting) rather than by an empty queue. */
  full: boolean;
  /** A smaller re-run of items from a failed batch. */
  retry: boolean;
}

export interface AdaptiveBatcherOptions<I, O> {
  /** Shown in errors and stats, e.g. `embed`, `upsert`, `search`. */
  name: string;
  /** Processes one batch; must resolve to one result per item, in input order. */
  run: (items: I[]) => Promise<O[]>;
  minSize: number;
  maxSize: number;
  initialSize: number;
  /** How long the first item of a partial batch may wait for company while another batch runs. */
  maxWaitMs: number;
  /** A batch should not take longer than this; the tuner never keeps a size that breaks it. */
  latencyTargetMs: number;
  /** Batches allowed in flight at once (default 1). Items queue meanwhile, so batches fill under load. */
  concurrency?: number;
  /** Tune the target from measurements (default true); when false it moves only by setTarget. */
  adapt?: boolean;
  /**
   * Optional size of one item (e.g. its token count). With it, minSize, maxSize, initialSize and
   * the target are totals of weight rather than item counts: a batch takes items from the head of
   * the queue while their weights sum to at most the target (at least one item, so an item heavier
   * than the target runs alone), and the tuner measures weight per second. Use it when the cost of
   * a batch follows the amount of text more than the number of texts.
   */
  weight?: (item: I) => number;
  /** Called after every run() call; exceptions thrown by it are ignored. */
  onBatch?: (report: BatchReport) => void;
  /** Called whenever the target changes, with the reason; exceptions thrown by it are ignored. */
  onRetune?: (change: TargetChange) => void;
}

export interface AdaptiveBatcherStats {
  name: string;
  target: number;
  maxWaitMs: number;
  concurrency: number;
  phase: TunerPhase;
  /** Batches formed from the queue (re-runs after a failure not included). */
  batches: number;
  /** Items taken from the queue into those batches. */
  items: number;
  avgBatchSize: number;
  /** Items finished successfully per second over the last 10 s. */
  itemsPerSec: number;
  /** Run time of the latest 128 successful run() calls. */
  p50BatchMs: number;
  p95BatchMs: number;
  /** run() calls that threw (first attempts and re-runs). */
  errors: number;
  /** Re-runs of parts of failed batches. */
  retries: number;
  /** Items whose promise was rejected. */
  failedItems: number;
  queued: number;
  inFlight: number;
  /** Recent full-batch measurements per size (what the tuner decides from). */
  buckets: SizeBucketSnapshot[];
}

interface Pending<I, O> {
  item: I;
  units: number;
  enqueuedAt: number;
  resolve: (result: O) => void;
  reject: (error: unknown) => void;
}

interface FailureBudget {
  consecutive: number;
  limit: number;
  lastError: unknown;
}

const now = (): number => performance.now();

/**
 * Collects items from any number of concurrent callers into batches for one `run` call each,
 * and tunes the batch size (see BatchSizeTuner for the algorithm).
 *
 * When a batch leaves (the dispatch policy):
 * - as soon as the queue holds a full target's worth and a slot is free;
 * - at once when nothing is in flight: waiting for company when no batch is running would only
 *   add latency, since nothing will free up to make waiting pay. So a lone search never waits
 *   for maxWaitMs. Submissions are looked at on the next turn of the event loop (setImmediate),
 *   so items submitted together (submitMany, or callers woken by the same event) still share a
 *   batch; that costs microseconds, not milliseconds;
 * - while another batch is in flight, a partial batch waits for company, but at most maxWaitMs
 *   after its first item arrived, and only for a free slot (concurrency > 1): with every slot
 *   busy, items accumulate until one frees, which is how batches fill under load;
 * - while drain() or close() is pending, without waiting.
 *
 * A failing batch never fails items that are not at fault: see settleByBisection.
 */
export class AdaptiveBatcher<I, O> {
  private readonly queue: Pending<I, O>[] = [];
  private readonly tuner: BatchSizeTuner;
  private readonly recent: RecentBatches;
  private readonly weightOf: (item: I) => number;
  private queuedUnits = 0;
  private inFlight = 0;
  private concurrency: number;
  private maxWaitMs: number;
  private closed = false;
  private pumpScheduled = false;
  private waitTimer: NodeJS.Timeout | undefined;
  private drainWaiters: (() => void)[] = [];
  private batches = 0;
  private batchedItems = 0;
  private errors = 0;
  private retries = 0;
  private failedItems = 0;

  constructor(private readonly options: AdaptiveBatcherOptions<I, O>) {
    validateOptions(options);
    this.concurrency = options.concurrency ?? 1;
    this.maxWaitMs = options.maxWaitMs;
    this.weightOf = options.weight ?? (() => 1);
    this.recent = new RecentBatches(now());
    this.tuner = new BatchSizeTuner(
      {
        minSize: options.minSize,
        maxSize: options.maxSize,
        initialSize: options.initialSize,
        latencyTargetMs: options.latencyTargetMs,
        adapt: options.adapt ?? true,
      },
      (change) => callSafely(() => options.onRetune?.(change)),
    );
  }

  get name(): string {
    return this.options.name;
  }

  get target(): number {
    return this.tuner.target;
  }

  submit(item: I): Promise<O> {
    if (this.closed) return Promise.reject(this.closedError());
    let units: number;
    try {
      units = this.weightOf(item);
    } catch (error) {
      return Promise.reject(error);
    }
    if (!Number.isFinite(units) || units < 0) {
      return Promise.reject(
        new RangeError(
          `AdaptiveBatcher "${this.name}": weight must be a finite number >= 0, got ${units}`,
        ),
      );
    }
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, units, enqueuedAt: now(), resolve, reject });
      this.queuedUnits += units;
      this.schedulePump();
    });
  }

  /** Results in input order; rejects with the first item's error if any item fails (the others still run). */
  submitMany(items: I[]): Promise<O[]> {
    return Promise.all(items.map((item) => this.submit(item)));
  }

  /** Sets the target now; with adaptation on, the tuner climbs on from there. */
  setTarget(size: number): void {
    this.tuner.setTarget(size);
    this.schedulePump();
  }

  setMaxWaitMs(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`AdaptiveBatcher "${this.name}": maxWaitMs must be >= 0`);
    this.maxWaitMs = ms;
    this.schedulePump();
  }

  setConcurrency(concurrency: number): void {
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`AdaptiveBatcher "${this.name}": concurrency must be an integer >= 1`);
    }
    this.concurrency = concurrency;
    this.schedulePump();
  }

  stats(): AdaptiveBatcherStats {
    return {
      name: this.name,
      target: this.target,
      maxWaitMs: this.maxWaitMs,
      concurrency: this.concurrency,
      phase: this.tuner.currentPhase,
      batches: this.batches,
      items: this.batchedItems,
      avgBatchSize: this.batches ? this.batchedItems / this.batches : 0,
      ...this.recent.figures(now()),
      errors: this.errors,
      retries: this.retries,
      failedItems: this.failedItems,
      queued: this.queue.length,
      inFlight: this.inFlight,
      buckets: this.tuner.snapshot(),
    };
  }

  /**
   * Resolves once the batcher is idle: nothing queued, nothing in flight (so it also waits for
   * items submitted meanwhile). Until then partial batches leave without waiting for company.
   */
  drain(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.drainWaiters.push(resolve);
      this.schedulePump();
    });
  }

  /** Rejects new submissions from now on and resolves when the queued ones have run. */
  close(): Promise<void> {
    this.closed = true;
    return this.drain();
  }

  private closedError(): Error {
    return new Error(`AdaptiveBatcher "${this.name}" is closed: it accepts no new items`);
  }

  private isIdle(): boolean {
    return this.queue.length === 0 && this.inFlight === 0;
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.waitTimer) {
      clearTimeout(this.waitTimer);
      this.waitTimer = undefined;
    }
    while (this.queue.length > 0 && this.inFlight < this.concurrency && this.mayDispatchNow()) {
      this.dispatch();
    }
    if (this.queue.length > 0 && this.inFlight < this.concurrency) {
      const delay = Math.max(0, this.queue[0].enqueuedAt + this.maxWaitMs - now());
      this.waitTimer = setTimeout(() => {
        this.waitTimer = undefined;
        this.pump();
      }, delay);
    }
    if (this.isIdle() && this.drainWaiters.length > 0) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  /** The dispatch policy in the class comment, given a free slot and a non-empty queue. */
  private mayDispatchNow(): boolean {
    if (this.queuedUnits >= this.target) return true;
    if (this.inFlight === 0) return true;
    if (this.closed || this.drainWaiters.length > 0) return true;
    return now() - this.queue[0].enqueuedAt >= this.maxWaitMs;
  }

  private dispatch(): void {
    const target = this.target;
    let count = 0;
    let units = 0;
    while (count < this.queue.length) {
      const next = this.queue[count].units;
      if (count > 0 && units + next > target) break;
      count++;
      units += next;
      if (units >= target) break;
    }
    const batch = this.queue.splice(0, count);
    this.queuedUnits -= units;
    const full = units >= target || this.queue.length > 0;
    this.batches++;
    this.batchedItems += count;
    this.inFlight++;
    void this.runBatch(batch, target, units, full).finally(() => {
      this.inFlight--;
      // Not pump() here: when run() settles in microtasks only (CPU work behind a promise), a
      // direct call would chain batch after batch without ever yielding, starving timers and I/O.
      this.schedulePump();
    });
  }

  private async runBatch(
    batch: Pending<I, O>[],
    target: number,
    units: number,
    full: boolean,
  ): Promise<void> {
    try {
      const durationMs = await this.attempt(batch, target, full, false);
      this.tuner.observe({ target, units, durationMs, full });
    } catch (error) {
      this.tuner.onFailure();
      const limit = Math.ceil(Math.log2(batch.length)) + 2;
      await this.settleByBisection(batch, { consecutive: 1, limit, lastError: error });
    }
  }

  /**
   * Failure isolation: a failed part is split in halves and each half is run again; a half that
   * fails is split again, down to single items, so a poisoned item fails only its own promise
   * (with the error its own run raised) and costs about 2*log2(batch) extra calls. A single item
   * is not re-run: it already failed alone. When run() fails `limit` = log2(batch)+2 times in a
   * row with no success between, the failure is not about one item (the downstream is down):
   * the rest of the batch fails with the last error rather than bisecting through 2n-1 calls.
   */
  private async settleByBisection(part: Pending<I, O>[], budget: FailureBudget): Promise<void> {
    if (part.length === 1) {
      this.fail(part, budget.lastError);
      return;
    }
    const middle = Math.ceil(part.length / 2);
    for (const half of [part.slice(0, middle), part.slice(middle)]) {
      if (budget.consecutive >= budget.limit) {
        this.fail(half, budget.lastError);
        continue;
      }
      this.retries++;
      try {
        await this.attempt(half, this.target, false, true);
        budget.consecutive = 0;
      } catch (error) {
        budget.consecutive++;
        budget.lastError = error;
        await this.settleByBisection(half, budget);
      }
    }
  }

  /** One run() call: resolves the items on success and returns its duration; throws on failure. */
  private async attempt(
    part: Pending<I, O>[],
    target: number,
    full: boolean,
    retry: boolean,
  ): Promise<number> {
    const startedAt = now();
    const waitMs = startedAt - part[0].enqueuedAt;
    const units = part.reduce((sum, p) => sum + p.units, 0);
    const report = (ok: boolean, durationMs: number): void =>
      callSafely(() =>
        this.options.onBatch?.({
          size: part.length,
          units,
          durationMs,
          waitMs,
          ok,
          target,
          full,
          retry,
        }),
      );
    let results: O[];
    try {
      results = await this.options.run(part.map((p) => p.item));
      if (!Array.isArray(results) || results.length !== part.length) {
        const got = Array.isArray(results) ? `${results.length} results` : typeof results;
        throw new Error(
          `AdaptiveBatcher "${this.name}": run() returned ${got} for ${part.length} items`,
        );
      }
    } catch (error) {
      this.errors++;
      report(false, now() - startedAt);
      throw error;
    }
    const endedAt = now();
    const durationMs = endedAt - startedAt;
    this.recent.add(endedAt, part.length, durationMs);
    report(true, durationMs);
    part.forEach((p, i) => p.resolve(results[i]));
    return durationMs;
  }

  private fail(part: Pending<I, O>[], error: unknown): void {
    this.failedItems += part.length;
    for (const p of part) p.reject(error);
  }
}

function validateOptions<I, O>(o: AdaptiveBatcherOptions<I, O>): void {
  const problems: string[] = [];
  if (!(o.minSize > 0)) problems.push('minSize must be > 0');
  if (!(o.minSize <= o.initialSize && o.initialSize <= o.maxSize)) {
    problems.push('minSize <= initialSize <= maxSize must hold');
  }
  if (!(o.maxWaitMs >= 0)) problems.push('maxWaitMs must be >= 0');
  if (!(o.latencyTargetMs > 0)) problems.push('latencyTargetMs must be > 0');
  const concurrency = o.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    problems.push('concurrency must be an integer >= 1');
  }
  if (problems.length) {
    throw new RangeError(`AdaptiveBatcher "${o.name}": ${problems.join('; ')}`);
  }
}

function callSafely(callback: () => void): void {
  try {
    callback();
  } catch {
    // Observers must not break batching.
  }
}
