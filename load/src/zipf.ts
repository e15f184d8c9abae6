/**
 * Draws ranks 0..n-1 with P(rank k) proportional to 1 / (k + 1)^exponent: the hot head of a
 * query log repeats, the long tail is rarely asked twice. One draw is a binary search over the
 * cumulative distribution, cheap enough for the load generator's hot path.
 */
export class ZipfSampler {
  private readonly cdf: Float64Array;

  constructor(
    readonly n: number,
    readonly exponent: number,
  ) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`Zipf: n must be an integer >= 1`);
    if (!(exponent >= 0)) throw new RangeError(`Zipf: exponent must be >= 0`);
    this.cdf = new Float64Array(n);
    let total = 0;
    for (let k = 0; k < n; k++) this.cdf[k] = total += (k + 1) ** -exponent;
    for (let k = 0; k < n; k++) this.cdf[k] /= total;
    this.cdf[n - 1] = 1;
  }

  probability(rank: number): number {
    return rank === 0 ? this.cdf[0] : this.cdf[rank] - this.cdf[rank - 1];
  }

  /** A rank for one uniform number in [0, 1). */
  sample(random: () => number = Math.random): number {
    const u = random();
    let lo = 0;
    let hi = this.n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cdf[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /**
   * The expected share of `draws` that repeat an earlier draw: the hit rate of a cache that
   * never forgets and is never invalidated, so the ceiling for a real cache on this mix.
   */
  expectedRepeatShare(draws: number): number {
    if (draws <= 0) return 0;
    let distinct = 0;
    for (let k = 0; k < this.n; k++) distinct += 1 - (1 - this.probability(k)) ** draws;
    return 1 - distinct / draws;
  }
}
