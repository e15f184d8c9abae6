/** Words a unique query carries after its base query: one for the stream, two for the counter. */
export const SUFFIX_WORDS = 3;

/**
 * Makes every query of a run new, so each one misses every cache: a real query from the pool
 * followed by three words of the corpus vocabulary that spell out (stream, counter). The text
 * stays ordinary words for the model and for BM25. Distinct streams (one per load-generator
 * thread and step) never collide; one stream yields vocabulary² queries.
 */
export class UniqueQueries {
  private counter = 0;
  private readonly capacity: number;

  constructor(
    private readonly pool: readonly string[],
    private readonly vocabulary: readonly string[],
    private readonly stream: number,
  ) {
    if (pool.length === 0) throw new RangeError('unique queries need a non-empty query pool');
    if (new Set(vocabulary).size !== vocabulary.length || vocabulary.length < 64) {
      throw new RangeError('unique queries need at least 64 distinct vocabulary words');
    }
    this.capacity = vocabulary.length ** 2;
  }

  /** The number of distinct streams: pick each stream below it. */
  static streams(vocabulary: readonly string[]): number {
    return vocabulary.length;
  }

  next(random: () => number = Math.random): string {
    const n = this.counter++;
    if (n >= this.capacity) {
      throw new RangeError(`unique query stream ${this.stream} is used up (${this.capacity})`);
    }
    const v = this.vocabulary;
    const base = this.pool[Math.floor(random() * this.pool.length)];
    const size = v.length;
    return `${base} ${v[this.stream % size]} ${v[Math.floor(n / size)]} ${v[n % size]}`;
  }
}
