import { seededRandom } from '../../src/common/seeded-random';
import { DEGRADATIONS, fusionRobustness, QueryCandidates } from './fusion-robustness';

/** 200 documents; each query's 5 relevant ones lead BM25 and, less cleanly, dense. */
function collection(): { corpus: string[]; queries: QueryCandidates[] } {
  const corpus = Array.from({ length: 200 }, (_, i) => `d${i}`);
  const queries = Array.from({ length: 20 }, (_, q) => {
    const relevant = [0, 1, 2, 3, 4].map((k) => `d${(q * 7 + k) % 200}`);
    const others = corpus.filter((id) => !relevant.includes(id));
    const bm25 = new Map<string, number>();
    relevant.forEach((id, k) => bm25.set(id, 30 - 2 * k));
    others.slice(0, 40).forEach((id, k) => bm25.set(id, 15 - k * 0.3));
    const dense = new Map<string, number>();
    relevant.forEach((id, k) => dense.set(id, 0.9 - 0.02 * k));
    others.slice(q, q + 45).forEach((id, k) => dense.set(id, 0.78 - k * 0.005));
    return { dense, bm25, judged: new Map(relevant.map((id) => [id, 1])) };
  });
  return { corpus, queries };
}

describe('fusionRobustness', () => {
  const { corpus, queries } = collection();
  const weights = { dense: 0.25, bm25: 1 };

  it('scores every degradation, the dense side falling as it is made worse', () => {
    const { bm25, rows } = fusionRobustness(queries, weights, corpus);
    expect(rows.map((r) => r.label)).toEqual(DEGRADATIONS.map((d) => d.label));
    const [measured, random] = [rows[0], rows[rows.length - 1]];
    expect([measured.label, random.label]).toEqual(['as measured', 'random documents']);
    expect(measured.dense).toBeGreaterThan(0.9);
    expect(random.dense).toBeLessThan(0.2);
    expect(bm25).toBeCloseTo(1, 10);
    // BM25 ranks the relevant documents first: fusion can only keep or lose that.
    expect(measured.fused).toBeLessThanOrEqual(bm25);
  });

  it('is deterministic: the same candidates give the same figures', () => {
    expect(fusionRobustness(queries, weights, corpus)).toEqual(
      fusionRobustness(queries, weights, corpus),
    );
  });

  it('never leaves a dense candidate list with repeated or missing documents', () => {
    const random = seededRandom(3);
    const dense = queries[0].dense;
    for (const degradation of DEGRADATIONS) {
      expect(degradation.apply(dense, random, corpus).size).toBe(dense.size);
    }
    expect(DEGRADATIONS[0].apply(dense, random, corpus)).toBe(dense);
  });
});
