import { documentsInOrder, mrrAt, ndcgAt, recallAt } from './metrics';

describe('retrieval metrics', () => {
  const judged = new Map([
    ['a', 2],
    ['b', 1],
  ]);

  it('nDCG is 1 for the ideal order and lower otherwise', () => {
    expect(ndcgAt(['a', 'b', 'x'], judged, 10)).toBeCloseTo(1);
    expect(ndcgAt(['b', 'a'], judged, 10)).toBeLessThan(1);
    expect(ndcgAt(['x', 'y'], judged, 10)).toBe(0);
  });

  it('recall and MRR count the judged documents found', () => {
    expect(recallAt(['x', 'a'], judged, 100)).toBe(0.5);
    expect(mrrAt(['x', 'b'], judged, 10)).toBe(0.5);
  });

  it('maps chunk hits to documents, first occurrence wins', () => {
    expect(
      documentsInOrder([{ documentId: 'a' }, { documentId: 'b' }, { documentId: 'a' }]),
    ).toEqual(['a', 'b']);
  });
});
