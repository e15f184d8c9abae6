import { QdrantFilterError, toQdrantFilter } from './qdrant-filter';

describe('toQdrantFilter', () => {
  it('maps must / should / mustNot with match and range onto Qdrant keys and clauses', () => {
    expect(
      toQdrantFilter({
        must: [
          { key: 'documentId', match: 'doc-1' },
          { key: 'metadata.year', range: { gte: 2000, lt: 2010 } },
        ],
        should: [{ key: 'metadata.lang', match: { any: ['en', 'fr'] } }],
        mustNot: [{ key: 'metadata.draft', match: true }],
      }),
    ).toEqual({
      must: [
        { key: 'documentId', match: { value: 'doc-1' } },
        { key: 'metadata.year', range: { gte: 2000, lt: 2010 } },
      ],
      should: [{ key: 'metadata.lang', match: { any: ['en', 'fr'] } }],
      must_not: [{ key: 'metadata.draft', match: { value: true } }],
    });
  });

  it('passes a hostile value as a plain JSON value, unchanged and uninterpreted', () => {
    const hostile = "x' OR 1=1 --";
    const filter = toQdrantFilter({ must: [{ key: 'metadata.author', match: hostile }] });
    expect(filter).toEqual({ must: [{ key: 'metadata.author', match: { value: hostile } }] });
    expect(JSON.parse(JSON.stringify(filter))).toEqual(filter);
    const any = toQdrantFilter({
      should: [{ key: 'metadata.author', match: { any: [hostile, '"; DROP'] } }],
    });
    expect(any).toEqual({
      should: [{ key: 'metadata.author', match: { any: [hostile, '"; DROP'] } }],
    });
  });

  it('refuses keys outside documentId, chunkIndex and metadata.<path>', () => {
    for (const key of [
      'text',
      'metadata',
      'metadata.a[]',
      'metadata."x"',
      "metadata.x' OR 1=1",
      'metadata..x',
    ]) {
      expect(() => toQdrantFilter({ must: [{ key, match: 'v' }] })).toThrow(QdrantFilterError);
    }
  });

  it('translates nested filters recursively', () => {
    expect(
      toQdrantFilter({
        must: [
          {
            should: [
              { key: 'chunkIndex', match: 0 },
              { mustNot: [{ key: 'metadata.a.b', match: 'x' }] },
            ],
          },
        ],
      }),
    ).toEqual({
      must: [
        {
          should: [
            { key: 'chunkIndex', match: { value: 0 } },
            { must_not: [{ key: 'metadata.a.b', match: { value: 'x' } }] },
          ],
        },
      ],
    });
  });

  it('expresses what Qdrant`s match cannot: fractional numbers, booleans and mixed any-lists', () => {
    expect(toQdrantFilter({ must: [{ key: 'metadata.score', match: 0.5 }] })).toEqual({
      must: [{ key: 'metadata.score', range: { gte: 0.5, lte: 0.5 } }],
    });
    expect(
      toQdrantFilter({
        must: [{ key: 'metadata.v', match: { any: ['a', 1, 1, true, 2.5, 'a'] } }],
      }),
    ).toEqual({
      must: [
        {
          should: [
            { key: 'metadata.v', match: { any: ['a'] } },
            { key: 'metadata.v', match: { any: [1] } },
            { key: 'metadata.v', match: { value: true } },
            { key: 'metadata.v', range: { gte: 2.5, lte: 2.5 } },
          ],
        },
      ],
    });
    expect(toQdrantFilter({ must: [{ key: 'metadata.v', match: { any: [] } }] })).toEqual({
      must: [{ key: 'metadata.v', match: { any: [] } }],
    });
  });

  it('drops empty clauses and refuses non-finite numbers', () => {
    expect(toQdrantFilter({ must: [], should: [], mustNot: [] })).toEqual({});
    expect(() =>
      toQdrantFilter({ must: [{ key: 'metadata.n', range: { gt: Number.NaN } }] }),
    ).toThrow(QdrantFilterError);
    expect(() => toQdrantFilter({ must: [{ key: 'metadata.n', match: Infinity }] })).toThrow(
      QdrantFilterError,
    );
  });
});
