import { weightedRrf } from './weighted-rrf';

const id = (s: string): string => s;

describe('weightedRrf', () => {
  it('scores Σ weight / (2 + rank) with 0-based ranks, like Qdrant`s rrf fusion', () => {
    const fused = weightedRrf(
      [
        { items: ['a', 'b', 'c'], weight: 1 },
        { items: ['c', 'd'], weight: 1 },
      ],
      id,
      10,
    );
    expect(fused.map((f) => f.item)).toEqual(['c', 'a', 'b', 'd']);
    expect(fused[0].score).toBeCloseTo(1 / 4 + 1 / 2, 12);
    expect(fused[1].score).toBeCloseTo(1 / 2, 12);
  });

  it('lets a heavier list decide the order and cuts to the limit', () => {
    const lists = (dense: number, bm25: number) => [
      { items: ['d1', 'd2', 'd3'], weight: dense },
      { items: ['b1', 'b2', 'b3'], weight: bm25 },
    ];
    expect(weightedRrf(lists(3, 1), id, 3).map((f) => f.item)).toEqual(['d1', 'd2', 'd3']);
    expect(weightedRrf(lists(1, 3), id, 3).map((f) => f.item)).toEqual(['b1', 'b2', 'b3']);
    expect(weightedRrf(lists(1, 1), id, 0)).toEqual([]);
  });

  it('breaks ties by best rank, then by first appearance', () => {
    const fused = weightedRrf(
      [
        { items: ['x', 'y'], weight: 2 },
        { items: ['z', 'y'], weight: 2 },
      ],
      id,
      10,
    );
    expect(fused.map((f) => f.item)).toEqual(['y', 'x', 'z']);
  });
});
