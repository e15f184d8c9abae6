import { bm25DocumentWeights, bm25QueryWeights, DEFAULT_BM25_PARAMS } from './bm25-weighting';
import { termId } from './term-hash';

const params = { k1: 1.2, b: 0.75, avgDocLength: 4 };

describe('bm25DocumentWeights', () => {
  it('computes tf·(k1+1)/(tf + k1·(1−b+b·dl/avgdl)) per stemmed term', () => {
    // terms: fox, fox, jump, dog -> dl = 4 = avgdl, so the length factor is 1.
    const weights = bm25DocumentWeights('Fox foxes jumping dog', params);
    expect(weights.get(termId('fox'))).toBeCloseTo((2 * 2.2) / (2 + 1.2), 10);
    expect(weights.get(termId('jump'))).toBeCloseTo(2.2 / 2.2, 10);
    expect(weights.size).toBe(3);
  });

  it('saturates: more occurrences weigh more, but never more than k1 + 1', () => {
    const w = (n: number): number =>
      bm25DocumentWeights(Array(n).fill('fox').join(' '), params).get(termId('fox')) ?? 0;
    expect(w(2)).toBeGreaterThan(w(1));
    expect(w(10)).toBeGreaterThan(w(2));
    expect(w(10) - w(9)).toBeLessThan(w(2) - w(1));
    expect(w(1000)).toBeLessThan(params.k1 + 1);
  });

  it('weighs a term lower in a longer document, unless b = 0', () => {
    const short = bm25DocumentWeights('fox dog', params).get(termId('fox'));
    const long = bm25DocumentWeights('fox dog cat bird fish cow horse', params).get(termId('fox'));
    expect(long).toBeLessThan(short ?? 0);
    const noNorm = { ...params, b: 0 };
    expect(
      bm25DocumentWeights('fox dog cat bird fish cow horse', noNorm).get(termId('fox')),
    ).toBeCloseTo(bm25DocumentWeights('fox dog', noNorm).get(termId('fox')) ?? 0, 12);
  });

  it('ignores stop words for both weights and length', () => {
    expect(bm25DocumentWeights('the fox and the dog', DEFAULT_BM25_PARAMS)).toEqual(
      bm25DocumentWeights('fox dog', DEFAULT_BM25_PARAMS),
    );
  });
});

describe('bm25QueryWeights', () => {
  it('counts query terms after the same analysis as documents', () => {
    const q = bm25QueryWeights('Jumping foxes jump over the fox');
    expect(q).toEqual(
      new Map([
        [termId('jump'), 2],
        [termId('fox'), 2],
      ]),
    );
    expect(bm25QueryWeights('the and of').size).toBe(0);
  });
});
