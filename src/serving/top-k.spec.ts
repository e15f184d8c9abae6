import { seededRandom } from '../common/seeded-random';
import { kthLargest, ScoredSlots } from './top-k';

describe('ScoredSlots', () => {
  it('keeps exactly what a full sort would, ties broken by the given order', () => {
    const random = seededRandom(11);
    for (const k of [0, 1, 5, 50, 500]) {
      const scores = Array.from({ length: 300 }, () => Math.floor(random() * 40));
      // ties rank the higher slot first, so the tie order cannot come from insertion order
      const top = new ScoredSlots(k, (a, b) => a > b);
      scores.forEach((score, slot) => top.push(score, slot));
      const expected = scores
        .map((score, slot) => ({ slot, score }))
        .sort((a, b) => b.score - a.score || b.slot - a.slot)
        .slice(0, k);
      expect(top.sorted()).toEqual(expected);
    }
  });

  it('admits only what would be kept', () => {
    const top = new ScoredSlots(2, (a, b) => a < b);
    top.push(5, 1);
    top.push(3, 2);
    expect(top.admits(2, 3)).toBe(false);
    expect(top.admits(3, 1)).toBe(true);
    expect(top.admits(3, 4)).toBe(false);
    expect(top.admits(4, 9)).toBe(true);
  });
});

describe('kthLargest', () => {
  it('finds what a descending sort puts at k - 1, ties and all', () => {
    const random = seededRandom(3);
    for (const count of [1, 2, 7, 100, 1000]) {
      for (const k of [1, Math.min(2, count), Math.ceil(count / 2), count]) {
        const values = Float64Array.from({ length: count }, () => Math.floor(random() * 30));
        const expected = [...values].sort((a, b) => b - a)[k - 1];
        expect(kthLargest(values, count, k)).toBe(expected);
      }
    }
  });
});
