import { fuseScores } from './score-fusion';

describe('fuseScores', () => {
  it('sums min-max normalised scores with convex weights; a side that missed scores 0', () => {
    const fused = fuseScores(
      new Map([
        ['a', 0.9],
        ['b', 0.5],
      ]),
      new Map([
        ['b', 12],
        ['c', 4],
      ]),
      { dense: 1, bm25: 3 },
    );
    expect(fused.get('a')).toBeCloseTo(0.25, 10);
    expect(fused.get('b')).toBeCloseTo(0.75, 10);
    expect(fused.get('c')).toBeCloseTo(0, 10);
  });
});
