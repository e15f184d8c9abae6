import { queryTerms } from './lexical-index';
import { ServedChunk, ServingCollection } from './serving-collection';

const DIMS = 8;

function unit(values: number[]): Float32Array {
  const v = Float32Array.from({ length: DIMS }, (_, i) => values[i] ?? 0);
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

function chunk(
  documentId: string,
  chunkIndex: number,
  text: string,
  vector: number[],
  metadata: Record<string, unknown> = {},
): ServedChunk & { vector: Float32Array } {
  return {
    id: `${documentId}#${chunkIndex}`,
    documentId,
    chunkIndex,
    text,
    headingPath: [],
    start: chunkIndex * 1000,
    end: chunkIndex * 1000 + text.length,
    metadata,
    vector: unit(vector),
  };
}

describe('ServingCollection', () => {
  function collection(): ServingCollection {
    const served = new ServingCollection({
      lexical: true,
      bm25: { k1: 0.9, b: 0.4 },
      hnsw: { connectivity: 16, expansionAdd: 64, expansionSearch: 64 },
      hybridCandidates: 50,
    });
    served.apply(
      [
        chunk('guide', 0, 'install the queue workers', [1, 0, 0], { lang: 'en' }),
        chunk('guide', 1, 'queue workers take jobs from redis queues', [0.9, 0.1, 0], {
          lang: 'en',
        }),
        chunk('vectors', 0, 'vectors are stored on disk', [0, 1, 0], { lang: 'en' }),
        chunk('recette', 0, 'la recette du pain', [0, 0, 1], { lang: 'fr' }),
      ],
      [],
    );
    return served;
  }

  const weights = { dense: 0.25, bm25: 1 };

  it('ranks documents by BM25, their best chunk first carrying the document score', () => {
    const ranked =
      collection().rank({
        mode: 'bm25',
        terms: queryTerms('queue workers jobs'),
        weights,
        ef: 64,
        documents: 10,
      }) ?? [];
    expect(ranked.map((d) => d.documentId)).toEqual(['guide']);
    expect(ranked[0].chunks.map((c) => c.chunkIndex)).toEqual([1, 0]);
    expect(ranked[0].chunks[0].score).toBe(ranked[0].score);
    expect(ranked[0].chunks[1].score).toBeLessThan(ranked[0].score / 2 + 1e-9);
  });

  it('ranks chunks by cosine in dense mode and fuses both sides in hybrid', () => {
    const served = collection();
    const dense =
      served.rank({ mode: 'dense', vector: unit([0, 0.1, 1]), weights, documents: 2, ef: 64 }) ??
      [];
    expect(dense.map((d) => d.documentId)).toEqual(['recette', 'vectors']);
    const hybrid =
      served.rank({
        mode: 'hybrid',
        vector: unit([0, 0, 1]),
        terms: queryTerms('vectors disk'),
        weights,
        ef: 64,
        documents: 3,
      }) ?? [];
    // BM25 has the larger weight: the lexical match leads, the dense-only match follows.
    expect(hybrid.map((d) => d.documentId).slice(0, 2)).toEqual(['vectors', 'recette']);
  });

  it('applies filters to chunks, and forgets removed and replaced chunks', () => {
    const served = collection();
    const filter = { must: [{ key: 'metadata.lang', match: 'fr' }] };
    const french =
      served.rank({
        mode: 'dense',
        vector: unit([1, 0, 0]),
        filter,
        weights,
        documents: 5,
        ef: 64,
      }) ?? [];
    expect(french.map((d) => d.documentId)).toEqual(['recette']);
    served.apply(
      [chunk('vectors', 0, 'now about bread and flour', [0, 1, 0])],
      ['guide#0', 'guide#1'],
    );
    expect(served.size).toBe(2);
    const bm25 = (q: string) =>
      (
        served.rank({ mode: 'bm25', terms: queryTerms(q), weights, documents: 5, ef: 64 }) ?? []
      ).map((d) => d.documentId);
    expect(bm25('queue workers')).toEqual([]);
    expect(bm25('vectors disk')).toEqual([]);
    expect(bm25('bread flour')).toEqual(['vectors']);
  });

  it('asks for an exact scan when a selective filter leaves too few dense matches', () => {
    const served = new ServingCollection({
      lexical: true,
      bm25: { k1: 0.9, b: 0.4 },
      hnsw: { connectivity: 16, expansionAdd: 64, expansionSearch: 64 },
      hybridCandidates: 10,
    });
    // 5,000 chunks, the only match the farthest from the query: beyond 64x of what is asked.
    const points = Array.from({ length: 5000 }, (_, i) =>
      i === 4999
        ? chunk(`d${i}`, 0, 'rare', [-1, 0, 0, 0], { rare: true })
        : chunk(`d${i}`, 0, `text ${i}`, [
            Math.abs(Math.sin(i)) + 0.1,
            Math.cos(i),
            (i % 7) / 7,
            0.5,
          ]),
    );
    served.apply(points, []);
    const filter = { must: [{ key: 'metadata.rare', match: true }] };
    expect(
      served.rank({
        mode: 'dense',
        vector: unit([1, 0, 0, 0]),
        filter,
        weights,
        documents: 10,
        ef: 64,
      }),
    ).toBeNull();
  });
});
