/**
 * The best `k` of a stream of (score, slot) pairs, higher scores first, ties broken by
 * `before(a, b)` (true when slot a ranks first). A heap in two typed arrays, so the scoring
 * loop makes no object per candidate.
 */
export class ScoredSlots {
  private readonly scores: Float64Array;
  private readonly slots: Int32Array;
  private size = 0;

  constructor(
    private readonly k: number,
    private readonly before: (a: number, b: number) => boolean,
  ) {
    this.scores = new Float64Array(Math.max(0, k));
    this.slots = new Int32Array(Math.max(0, k));
  }

  /** Whether (score, slot) would be kept: check before any costly work on it. */
  admits(score: number, slot: number): boolean {
    if (this.size < this.k) return true;
    return this.k > 0 && this.better(score, slot, this.scores[0], this.slots[0]);
  }

  push(score: number, slot: number): void {
    if (this.size < this.k) {
      this.scores[this.size] = score;
      this.slots[this.size] = slot;
      this.up(this.size++);
    } else if (this.admits(score, slot)) {
      this.scores[0] = score;
      this.slots[0] = slot;
      this.down(0);
    }
  }

  /** Visits the kept pairs in no particular order (cheaper than sorted() when order does not matter). */
  forEach(visit: (score: number, slot: number) => void): void {
    for (let i = 0; i < this.size; i++) visit(this.scores[i], this.slots[i]);
  }

  /** The kept pairs, best first. */
  sorted(): { slot: number; score: number }[] {
    const kept = Array.from({ length: this.size }, (_, i) => ({
      slot: this.slots[i],
      score: this.scores[i],
    }));
    return kept.sort((x, y) =>
      this.better(x.score, x.slot, y.score, y.slot)
        ? -1
        : this.better(y.score, y.slot, x.score, x.slot)
          ? 1
          : 0,
    );
  }

  private better(scoreA: number, slotA: number, scoreB: number, slotB: number): boolean {
    return scoreA > scoreB || (scoreA === scoreB && slotA !== slotB && this.before(slotA, slotB));
  }

  /** Moves a worse item towards the root: the root stays the worst kept. */
  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.better(this.scores[parent], this.slots[parent], this.scores[i], this.slots[i])) {
        return;
      }
      this.swap(parent, i);
      i = parent;
    }
  }

  private down(i: number): void {
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let worst = i;
      if (left < this.size && this.worse(left, worst)) worst = left;
      if (right < this.size && this.worse(right, worst)) worst = right;
      if (worst === i) return;
      this.swap(worst, i);
      i = worst;
    }
  }

  private worse(i: number, j: number): boolean {
    return this.better(this.scores[j], this.slots[j], this.scores[i], this.slots[i]);
  }

  private swap(i: number, j: number): void {
    const score = this.scores[i];
    const slot = this.slots[i];
    this.scores[i] = this.scores[j];
    this.slots[i] = this.slots[j];
    this.scores[j] = score;
    this.slots[j] = slot;
  }
}

/**
 * The k-th greatest of the first `count` values (k >= 1), in expected linear time (Hoare's
 * selection). Reorders those values in place.
 */
export function kthLargest(values: Float64Array, count: number, k: number): number {
  let lo = 0;
  let hi = count - 1;
  const target = Math.min(Math.max(k, 1), count) - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i] > pivot) i++;
      while (values[j] < pivot) j--;
      if (i <= j) {
        const swap = values[i];
        values[i] = values[j];
        values[j] = swap;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return values[target];
  }
  return values[target];
}
