import { DEFAULT_RRF_K, fuseReciprocalRank } from './rrf';

const id = (s: string): string => s;

describe('fuseReciprocalRank', () => {
  it('scores an item by the weighted sum of 1/(k + rank) over the lists holding it', () => {
    const fused = fuseReciprocalRank(
      [
        { items: ['a', 'b', 'c'], weight: 1 },
        { items: ['c', 'a'], weight: 2 },
      ],
      id,
    );
    const k = DEFAULT_RRF_K;
    const expected = new Map([
      ['a', 1 / (k + 1) + 2 / (k + 2)],
      ['b', 1 / (k + 2)],
      ['c', 1 / (k + 3) + 2 / (k + 1)],
    ]);
    expect(fused.map((f) => f.item)).toEqual(['c', 'a', 'b']);
    for (const f of fused) expect(f.score).toBeCloseTo(expected.get(f.item) as number, 12);
  });

  it('ranks an item found by both lists above items found by one', () => {
    const fused = fuseReciprocalRank(
      [
        { items: ['dense-only', 'both'], weight: 1 },
        { items: ['bm25-only', 'both'], weight: 1 },
      ],
      id,
    );
    expect(fused[0].item).toBe('both');
  });

  it('lets the weights decide between two lists that disagree', () => {
    const lists = (dense: number, bm25: number) => [
      { items: ['x', 'y'], weight: dense },
      { items: ['y', 'x'], weight: bm25 },
    ];
    expect(fuseReciprocalRank(lists(3, 1), id)[0].item).toBe('x');
    expect(fuseReciprocalRank(lists(1, 3), id)[0].item).toBe('y');
  });

  it('returns a single list unchanged, and drops lists with weight 0', () => {
    const one = fuseReciprocalRank([{ items: ['p', 'q', 'r'], weight: 1 }], id);
    expect(one.map((f) => f.item)).toEqual(['p', 'q', 'r']);
    const dropped = fuseReciprocalRank(
      [
        { items: ['p', 'q'], weight: 1 },
        { items: ['z'], weight: 0 },
      ],
      id,
    );
    expect(dropped.map((f) => f.item)).toEqual(['p', 'q']);
  });

  it('keeps the first occurrence of an item and counts a repeated item once per list', () => {
    const fused = fuseReciprocalRank(
      [
        {
          items: [
            { id: 'a', v: 1 },
            { id: 'a', v: 2 },
          ],
          weight: 1,
        },
      ],
      (x) => x.id,
    );
    expect(fused).toHaveLength(1);
    expect(fused[0].item.v).toBe(1);
    expect(fused[0].score).toBeCloseTo(1 / (DEFAULT_RRF_K + 1), 12);
  });

  it('honours a custom k and rejects a negative one', () => {
    const fused = fuseReciprocalRank([{ items: ['a'], weight: 1 }], id, 0);
    expect(fused[0].score).toBe(1);
    expect(() => fuseReciprocalRank([], id, -1)).toThrow(RangeError);
  });
});
