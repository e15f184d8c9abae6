import { seededRandom, shuffled } from './random';
import { ZipfSampler } from './zipf';

describe('ZipfSampler', () => {
  it('gives rank k a probability proportional to 1/(k+1)^s, summing to 1', () => {
    const zipf = new ZipfSampler(1000, 1);
    const total = Array.from({ length: 1000 }, (_, k) => zipf.probability(k)).reduce(
      (a, b) => a + b,
    );

    expect(total).toBeCloseTo(1, 10);
    expect(zipf.probability(0) / zipf.probability(1)).toBeCloseTo(2, 10);
    expect(zipf.probability(0) / zipf.probability(9)).toBeCloseTo(10, 10);
  });

  it('draws the hot head often and every rank within range', () => {
    const zipf = new ZipfSampler(100, 1);
    const random = seededRandom(7);
    const counts = new Array<number>(100).fill(0);
    for (let i = 0; i < 100_000; i++) counts[zipf.sample(random)]++;

    // P(rank 0) = 1 / H(100) = 0.1928; the sampled share is within a percent of it
    expect(counts[0] / 100_000).toBeCloseTo(0.1928, 2);
    expect(counts[0]).toBeGreaterThan(counts[1]);
    expect(counts[1]).toBeGreaterThan(counts[9]);
    expect(counts.every((c) => c > 0)).toBe(true);
  });

  it('with exponent 0 is uniform', () => {
    const zipf = new ZipfSampler(4, 0);
    expect([0, 1, 2, 3].map((k) => zipf.probability(k))).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it('maps the edges of [0, 1) to the first and the last rank', () => {
    const zipf = new ZipfSampler(10, 1);
    expect(zipf.sample(() => 0)).toBe(0);
    expect(zipf.sample(() => 0.999999999)).toBe(9);
  });

  it('predicts the repeat share a never-forgetting cache would reach', () => {
    const zipf = new ZipfSampler(500, 1);
    const random = seededRandom(3);
    const seen = new Set<number>();
    let repeats = 0;
    for (let i = 0; i < 5000; i++) {
      const rank = zipf.sample(random);
      if (seen.has(rank)) repeats++;
      seen.add(rank);
    }

    expect(zipf.expectedRepeatShare(5000)).toBeCloseTo(repeats / 5000, 2);
    expect(zipf.expectedRepeatShare(1)).toBeCloseTo(0, 10);
    expect(new ZipfSampler(1, 1).expectedRepeatShare(10)).toBeCloseTo(0.9, 10);
  });

  it('rejects a pool of no queries', () => {
    expect(() => new ZipfSampler(0, 1)).toThrow(RangeError);
  });
});

describe('seeded shuffles', () => {
  it('are the same for the same seed and a permutation of the input', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const a = shuffled(items, seededRandom(42));
    const b = shuffled(items, seededRandom(42));

    expect(a).toEqual(b);
    expect(a).not.toEqual(items);
    expect([...a].sort((x, y) => x - y)).toEqual(items);
  });
});
