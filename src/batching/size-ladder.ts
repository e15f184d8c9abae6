/** Adjacent rungs differ by about this factor: fine enough to land near an optimum, coarse enough to measure. */
export const LADDER_RATIO = 1.25;

/**
 * The batch sizes the tuner moves between: minSize, then about 25% larger each step (at least +1),
 * ending at maxSize. Keeping probes on a fixed ladder means measurements of the same size land
 * in the same bucket, however the tuner got there.
 */
export class SizeLadder {
  readonly rungs: readonly number[];

  constructor(
    readonly minSize: number,
    readonly maxSize: number,
    ratio = LADDER_RATIO,
  ) {
    const rungs: number[] = [];
    for (let size = minSize; size < maxSize; size = Math.max(size + 1, Math.round(size * ratio))) {
      rungs.push(size);
    }
    // A last rung within 10% of maxSize would be a step too small to measure: let maxSize replace it.
    if (rungs.length > 1 && maxSize / rungs[rungs.length - 1] < 1.1) rungs.pop();
    rungs.push(maxSize);
    this.rungs = rungs;
  }

  clamp(size: number): number {
    return Math.min(this.maxSize, Math.max(this.minSize, Math.round(size)));
  }

  /** The next rung strictly above `size`, or undefined at the top. */
  above(size: number): number | undefined {
    return this.rungs.find((rung) => rung > size);
  }

  /** The next rung strictly below `size`, or undefined at the bottom. */
  below(size: number): number | undefined {
    for (let i = this.rungs.length - 1; i >= 0; i--) if (this.rungs[i] < size) return this.rungs[i];
    return undefined;
  }

  /** The largest rung not above `size` (minSize when `size` is below every rung). */
  atOrBelow(size: number): number {
    for (let i = this.rungs.length - 1; i >= 0; i--)
      if (this.rungs[i] <= size) return this.rungs[i];
    return this.minSize;
  }
}
