import { randomOffsets } from './random-offsets';

describe('randomOffsets', () => {
  it('gives distinct offsets in range, ascending, spread over the whole range', () => {
    const offsets = randomOffsets(1_000_000, 500);
    expect(offsets).toHaveLength(500);
    expect(new Set(offsets).size).toBe(500);
    expect(offsets.every((o) => Number.isInteger(o) && o >= 0 && o < 1_000_000)).toBe(true);
    expect(offsets.every((o, i) => i === 0 || o > offsets[i - 1])).toBe(true);
    // Not the first rows: a uniform draw of 500 lands in the upper half about 250 times.
    expect(offsets.filter((o) => o >= 500_000).length).toBeGreaterThan(150);
  });

  it('gives every offset when asked for as many or more, and none of an empty table', () => {
    expect(randomOffsets(5, 5)).toEqual([0, 1, 2, 3, 4]);
    expect(randomOffsets(5, 50)).toEqual([0, 1, 2, 3, 4]);
    expect(randomOffsets(0, 3)).toEqual([]);
  });
});
