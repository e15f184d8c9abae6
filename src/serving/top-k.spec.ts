import { seededRandom } from '../common/seeded-random';
import { TopK } from './top-k';

describe('TopK', () => {
  it('keeps exactly what a full sort would, in the same order', () => {
    const random = seededRandom(7);
    for (const k of [0, 1, 5, 50, 500]) {
      const items = Array.from({ length: 300 }, (_, i) => ({
        id: i,
        score: Math.floor(random() * 40),
      }));
      const better = (a: { id: number; score: number }, b: { id: number; score: number }) =>
        a.score > b.score || (a.score === b.score && a.id < b.id);
      const top = new TopK(k, better);
      items.forEach((item) => top.push(item));
      const expected = [...items].sort((a, b) => b.score - a.score || a.id - b.id).slice(0, k);
      expect(top.sorted()).toEqual(expected);
    }
  });
});
