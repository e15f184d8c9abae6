import { median } from './quantile';
import { SizeLadder } from './size-ladder';

/**
 * Chooses the batch target by hill-climbing on measured throughput, under a latency ceiling.
 *
 * What it measures. Each completed batch gives one sample for the size it was dispatched at:
 * throughput = units / run time (units are items, or total weight when a weight function is
 * set) and run time itself. Only *full* batches count for throughput: a batch of 3 that left
 * because only 3 items were waiting says nothing about how fast size 32 is, so partial batches
 * are ignored here rather than normalised (a fixed per-call overhead makes any per-item
 * normalisation wrong in exactly the direction that matters). Samples sit in buckets per size
 * (the last BUCKET_CAPACITY each), and a decision compares medians of FRESH samples only
 * (taken since the phase began), so the noise of one batch and the ghosts of an old workload
 * do not steer it. A decision takes MIN_SAMPLES batches on each side, and up to MAX_SAMPLES
 * while their spread (median absolute deviation) exceeds MIN_GAIN: on a busy, shared machine
 * single batches vary by 10-20%, more than the differences being judged.
 *
 * How it climbs. Sizes live on a ladder about 25% apart (SizeLadder).
 * 1. measure: take enough full batches (see above) at the current base size.
 * 2. probe: move one rung up (or down) and take as many there. Keep the probe if its median
 *    throughput beats the base's by more than MIN_GAIN (or than the measurement noise, the
 *    standard error of the two medians, when that is larger) and none of its batches broke
 *    latencyTargetMs; then try the next rung in the same direction straight away (the probe's
 *    samples are the new base's). Otherwise step back and try the other direction.
 *    A probe batch that breaks the latency target ends the probe at once.
 *    Ties go to the smaller size: a step down is also kept when its throughput is within
 *    MIN_GAIN of the best median seen since the workload last changed (same throughput, lower
 *    latency; on a flat, noisy curve the climb would otherwise stop wherever noise left it).
 *    Measuring against that best, not against the last base, keeps a chain of small losses
 *    from adding up: ties can never cost more than MIN_GAIN in all.
 * 3. hold: when neither neighbour is better, the base is a local optimum. Stay for
 *    `exploreEvery` full batches, then explore (go back to 1). Explorations that find nothing
 *    double the interval (EXPLORE_MIN..EXPLORE_MAX batches), so a stable optimum costs little;
 *    any move resets it. While holding, a median throughput that drifts more than DRIFT from
 *    the settled value (say texts got longer) triggers an exploration at once: that is how the
 *    tuner follows an optimum that moves.
 * Bigger is never assumed better: the climb goes where the measurements say, so an interior
 * optimum (reported for the USE model on this machine: ~150 queries/s at 8, 100/s at 32, 70/s
 * at 128) is found as readily as the edge of a latency cap.
 *
 * Latency guard. The latency target is a ceiling, not a trade-off: BREACHES_TO_SHRINK batches
 * in a row over latencyTargetMs (any batch of at least the target's size, or a smaller batch,
 * which is worse news) shrink the base at once: to the rung at or below
 * size * latencyTarget / observed, and at least one rung down. That estimate ignores the fixed
 * part of a batch's cost, so it can land a little high; the next breaches then take it further.
 * One slow batch alone (a cold start, a GC pause) does not shrink it.
 *
 * Failures. A failed batch halves the target (snapped to a rung) and starts a new measure.
 */

const MIN_SAMPLES = 3;
const MAX_SAMPLES = 7;
/** Relative throughput gain a probe must show to be kept; below it, differences are noise. */
const MIN_GAIN = 0.03;
const BUCKET_CAPACITY = MAX_SAMPLES + 1;
const MAX_BUCKETS = 64;
const EXPLORE_MIN = 16;
const EXPLORE_MAX = 256;
/** Relative change of throughput at the held size that means the workload moved. */
const DRIFT = 0.2;
const BREACHES_TO_SHRINK = 2;

export interface BatchSizeTunerOptions {
  minSize: number;
  maxSize: number;
  initialSize: number;
  latencyTargetMs: number;
  /** When false, the target changes only through setTarget. */
  adapt: boolean;
}

/** One completed (successful) batch, as the tuner sees it. */
export interface BatchSample {
  /** The target in force when the batch was formed: the size bucket this sample belongs to. */
  target: number;
  /** Items, or total weight when the batcher has a weight function. */
  units: number;
  durationMs: number;
  /** The batch was cut by the target (more was waiting), not by an empty queue. */
  full: boolean;
}

export type TunerPhase = 'measure' | 'probe' | 'hold';
/** probe: trying a neighbour; reject: back from one; latency, error, manual: restarts. */
export type RetuneReason = 'probe' | 'reject' | 'latency' | 'error' | 'manual';

export interface TargetChange {
  from: number;
  to: number;
  reason: RetuneReason;
}

export interface SizeBucketSnapshot {
  size: number;
  samples: number;
  /** Median units per second of the bucket's recent full batches. */
  unitsPerSec: number;
  /** Median run time of the bucket's recent full batches. */
  p50Ms: number;
}

interface Sample {
  seq: number;
  unitsPerSec: number;
  durationMs: number;
}

type Direction = 'up' | 'down';

export class BatchSizeTuner {
  private readonly ladder: SizeLadder;
  private readonly buckets = new Map<number, Sample[]>();
  private readonly adapt: boolean;
  private current: number;
  private base: number;
  private phase: TunerPhase = 'measure';
  /** Counts full batches observed; samples carry it so "fresh" means "since seq X". */
  private seq = 0;
  private baseSince = 0;
  private probeSize = 0;
  private probeSince = 0;
  private probeDirection: Direction = 'up';
  private preferred: Direction = 'up';
  private tried: Record<Direction, boolean> = { up: false, down: false };
  private holdLeft = 0;
  private holdSince = 0;
  private settledRate = 0;
  /** Best median throughput of a base since the workload last changed: the floor for tie moves. */
  private bestRate = 0;
  private exploreEvery = EXPLORE_MIN;
  private movedSinceHold = true;
  private breachStreak = 0;

  constructor(
    private readonly options: BatchSizeTunerOptions,
    private readonly onChange: (change: TargetChange) => void = () => undefined,
  ) {
    this.ladder = new SizeLadder(options.minSize, options.maxSize);
    this.adapt = options.adapt;
    this.current = this.base = this.ladder.clamp(options.initialSize);
  }

  get target(): number {
    return this.current;
  }

  get currentPhase(): TunerPhase {
    return this.phase;
  }

  /** Operator or monitor override: the climb restarts from `size`. */
  setTarget(size: number): void {
    this.restartAt(this.ladder.clamp(size), 'manual');
  }

  observe(sample: BatchSample): void {
    if (sample.full) this.record(sample);
    if (!this.adapt) return;
    if (this.guardLatency(sample)) return;
    if (!sample.full || sample.target !== this.current) return;
    if (this.phase === 'measure') this.afterMeasureSample();
    else if (this.phase === 'probe') this.afterProbeSample();
    else this.afterHoldSample();
  }

  /** A batch failed: back off to half the size and measure again from there. */
  onFailure(): void {
    if (!this.adapt) return;
    this.restartAt(this.ladder.atOrBelow(this.current / 2), 'error');
  }

  snapshot(): SizeBucketSnapshot[] {
    return [...this.buckets.entries()]
      .sort(([a], [b]) => a - b)
      .map(([size, samples]) => ({
        size,
        samples: samples.length,
        unitsPerSec: median(samples.map((s) => s.unitsPerSec)),
        p50Ms: median(samples.map((s) => s.durationMs)),
      }));
  }

  private record(sample: BatchSample): void {
    this.seq++;
    let bucket = this.buckets.get(sample.target);
    if (!bucket) {
      if (this.buckets.size >= MAX_BUCKETS) this.evictStalestBucket();
      bucket = [];
      this.buckets.set(sample.target, bucket);
    }
    const seconds = Math.max(sample.durationMs, 1e-3) / 1000;
    bucket.push({
      seq: this.seq,
      unitsPerSec: sample.units / seconds,
      durationMs: sample.durationMs,
    });
    if (bucket.length > BUCKET_CAPACITY) bucket.shift();
  }

  private evictStalestBucket(): void {
    let stalest: number | undefined;
    let stalestSeq = Infinity;
    for (const [size, samples] of this.buckets) {
      const last = samples[samples.length - 1]?.seq ?? 0;
      if (last < stalestSeq && size !== this.current && size !== this.base) {
        stalest = size;
        stalestSeq = last;
      }
    }
    if (stalest !== undefined) this.buckets.delete(stalest);
  }

  private freshRates(size: number, since: number): number[] {
    return (this.buckets.get(size) ?? []).filter((s) => s.seq > since).map((s) => s.unitsPerSec);
  }

  /** Returns true when the sample changed the target on latency grounds. */
  private guardLatency(sample: BatchSample): boolean {
    const breached = sample.durationMs > this.options.latencyTargetMs;
    if (!breached) {
      // Only a batch at least as big as the target proves the target is fast enough.
      if (sample.units >= this.current) this.breachStreak = 0;
      return false;
    }
    if (this.phase === 'probe' && sample.target === this.probeSize) {
      this.rejectProbe();
      return true;
    }
    this.breachStreak++;
    if (this.breachStreak < BREACHES_TO_SHRINK) return false;
    const scaled = (sample.units * this.options.latencyTargetMs) / sample.durationMs;
    const oneDown = this.ladder.below(this.current) ?? this.options.minSize;
    this.restartAt(this.ladder.atOrBelow(Math.min(scaled, oneDown)), 'latency');
    return true;
  }

  private afterMeasureSample(): void {
    if (enoughSamples(this.freshRates(this.base, this.baseSince))) {
      this.probeOrHold();
    }
  }

  private afterProbeSample(): void {
    const probeRates = this.freshRates(this.probeSize, this.probeSince);
    const baseRates = this.freshRates(this.base, this.baseSince);
    // As many samples as the base needed, so a lucky run of three cannot outvote a noisy base.
    const needed = Math.min(MAX_SAMPLES, baseRates.length);
    if (probeRates.length < needed || !enoughSamples(probeRates)) return;
    const probeRate = median(probeRates);
    const baseRate = median(baseRates);
    const noise = Math.hypot(relativeErrorOfMedian(probeRates), relativeErrorOfMedian(baseRates));
    const clearlyFaster = probeRate > baseRate * (1 + Math.max(MIN_GAIN, noise));
    const smallerAndAsFast =
      this.probeDirection === 'down' && probeRate >= this.bestRate * (1 - MIN_GAIN);
    if (clearlyFaster || smallerAndAsFast) this.acceptProbe();
    else this.rejectProbe();
  }

  private afterHoldSample(): void {
    this.holdLeft--;
    // Judged on the last MAX_SAMPLES batches: with fewer, ordinary noise would pass for drift.
    const recent = this.freshRates(this.base, this.holdSince).slice(-MAX_SAMPLES);
    const drifted =
      recent.length >= MAX_SAMPLES &&
      Math.abs(median(recent) - this.settledRate) > DRIFT * this.settledRate;
    if (drifted) {
      this.exploreEvery = EXPLORE_MIN;
      this.bestRate = 0; // the workload changed: old rates are no floor for the new one
    }
    if (drifted || this.holdLeft <= 0) this.explore();
  }

  private probeOrHold(): void {
    this.bestRate = Math.max(this.bestRate, median(this.freshRates(this.base, this.baseSince)));
    const order: Direction[] = this.preferred === 'up' ? ['up', 'down'] : ['down', 'up'];
    for (const direction of order) {
      if (this.tried[direction]) continue;
      const size = direction === 'up' ? this.ladder.above(this.base) : this.ladder.below(this.base);
      if (size === undefined) {
        this.tried[direction] = true;
        continue;
      }
      this.phase = 'probe';
      this.probeDirection = direction;
      this.probeSize = size;
      this.probeSince = this.seq;
      this.moveTo(size, 'probe');
      return;
    }
    this.hold();
  }

  private acceptProbe(): void {
    const direction = this.probeDirection;
    this.base = this.probeSize;
    this.baseSince = this.probeSince;
    this.movedSinceHold = true;
    // The rung we came from is known to be worse; keep climbing the same way.
    this.tried = { up: direction === 'down', down: direction === 'up' };
    this.preferred = direction;
    this.phase = 'measure';
    this.probeOrHold(); // the target already is the probe's size
  }

  private rejectProbe(): void {
    this.tried[this.probeDirection] = true;
    this.phase = 'measure';
    this.moveTo(this.base, 'reject');
    if (enoughSamples(this.freshRates(this.base, this.baseSince))) {
      this.probeOrHold();
    }
  }

  private hold(): void {
    this.phase = 'hold';
    this.exploreEvery = this.movedSinceHold
      ? EXPLORE_MIN
      : Math.min(EXPLORE_MAX, this.exploreEvery * 2);
    this.movedSinceHold = false;
    this.holdLeft = this.exploreEvery;
    this.holdSince = this.seq;
    this.settledRate = median(this.freshRates(this.base, this.baseSince));
  }

  private explore(): void {
    this.tried = { up: false, down: false };
    this.phase = 'measure';
    this.baseSince = this.seq;
  }

  private restartAt(size: number, reason: RetuneReason): void {
    this.base = size;
    this.baseSince = this.seq;
    this.bestRate = 0;
    this.tried = { up: false, down: false };
    this.phase = 'measure';
    this.breachStreak = 0;
    this.movedSinceHold = true;
    this.moveTo(size, reason);
  }

  private moveTo(size: number, reason: RetuneReason): void {
    if (size === this.current) return;
    const from = this.current;
    this.current = size;
    this.onChange({ from, to: size, reason });
  }
}

/** Median absolute deviation relative to the median: a spread that one wild batch cannot inflate. */
function relativeSpread(rates: number[]): number {
  const mid = median(rates);
  return median(rates.map((r) => Math.abs(r - mid))) / mid;
}

/** At least MIN_SAMPLES; more, up to MAX_SAMPLES, while they scatter more than MIN_GAIN. */
function enoughSamples(rates: number[]): boolean {
  if (rates.length < MIN_SAMPLES) return false;
  return rates.length >= MAX_SAMPLES || relativeSpread(rates) <= MIN_GAIN;
}

/** Standard error of a median, relative to it (1.4826 MAD estimates sigma; the median's SE is 1.2533 sigma / sqrt(n)). */
function relativeErrorOfMedian(rates: number[]): number {
  return (1.858 * relativeSpread(rates)) / Math.sqrt(rates.length);
}
