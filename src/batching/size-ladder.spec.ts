import { SizeLadder } from './size-ladder';

describe('SizeLadder', () => {
  it('steps about 25% at a time from minSize to maxSize', () => {
    const ladder = new SizeLadder(1, 256);
    expect(ladder.rungs).toEqual([
      1, 2, 3, 4, 5, 6, 8, 10, 13, 16, 20, 25, 31, 39, 49, 61, 76, 95, 119, 149, 186, 256,
    ]);
    expect(new SizeLadder(8, 8).rungs).toEqual([8]);
  });

  it('finds neighbours of sizes on and off the ladder', () => {
    const ladder = new SizeLadder(4, 64);
    expect(ladder.above(16)).toBe(20);
    expect(ladder.above(17)).toBe(20);
    expect(ladder.below(16)).toBe(13);
    expect(ladder.below(17)).toBe(16);
    expect(ladder.above(64)).toBeUndefined();
    expect(ladder.below(4)).toBeUndefined();
    expect(ladder.atOrBelow(18)).toBe(16);
    expect(ladder.atOrBelow(2)).toBe(4);
    expect(ladder.clamp(1000)).toBe(64);
  });
});
