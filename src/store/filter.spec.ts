import {
  FilterPayload,
  FilterValidationError,
  isEmptyFilter,
  matchesFilter,
  parseFilter,
  parseFilterKey,
} from './filter';
import type { Filter } from './filter.types';

function rejection(input: unknown, limits?: Parameters<typeof parseFilter>[1]): string {
  try {
    parseFilter(input, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(FilterValidationError);
    return (error as Error).message;
  }
  throw new Error('expected parseFilter to throw');
}

function nested(depth: number): Record<string, unknown> {
  let filter: Record<string, unknown> = { must: [{ key: 'documentId', match: 'a' }] };
  for (let level = 1; level < depth; level++) filter = { must: [filter] };
  return filter;
}

describe('parseFilter', () => {
  it('accepts every form of the language and returns an equal, fresh object', () => {
    const input = {
      must: [
        { key: 'documentId', match: 'doc-1' },
        { key: 'chunkIndex', range: { gte: 0, lt: 10 } },
        { key: 'metadata.lang', match: { any: ['en', 'de'] } },
        { should: [{ key: 'metadata.a-b.c_d', match: true }] },
      ],
      should: [{ key: 'metadata.year', range: { gt: 1999.5, lte: 2024 } }],
      mustNot: [{ key: 'metadata.tags', match: 3 }],
    };
    const parsed = parseFilter(input);
    expect(parsed).toEqual(input);
    expect(parsed).not.toBe(input);
    expect(parsed.must).not.toBe(input.must);
  });

  it('accepts the empty filter, top-level or nested, which matches everything', () => {
    const payload = { documentId: 'x', chunkIndex: 0, metadata: {} };
    expect(isEmptyFilter(parseFilter({}))).toBe(true);
    expect(matchesFilter({}, payload)).toBe(true);
    expect(matchesFilter(parseFilter({ must: [{}] }), payload)).toBe(true);
    expect(matchesFilter(parseFilter({ mustNot: [{}] }), payload)).toBe(false);
  });

  it.each([
    [null, 'filter: must be an object'],
    [[], 'filter: must be an object'],
    [{ must: {} }, 'filter.must: must be an array'],
    [{ filter: [] }, "filter: unknown field 'filter'"],
    [{ must: [{ match: 1 }] }, 'filter.must[0].key: is required'],
    [{ must: [{ kee: 'x' }] }, "filter.must[0]: unknown field 'kee'"],
    [{ must: ['x'] }, 'filter.must[0]: must be an object'],
    [{ must: [{ key: 1, match: 1 }] }, 'filter.must[0].key: must be a string'],
    [{ must: [{ key: 'title', match: 'x' }] }, "filter.must[0].key: must be 'documentId'"],
    [{ must: [{ key: 'metadata.', match: 'x' }] }, "filter.must[0].key: metadata path segment ''"],
    [{ must: [{ key: 'metadata.a b', match: 'x' }] }, 'filter.must[0].key: metadata path segment'],
    [{ must: [{ key: 'metadata.__proto__', match: 'x' }] }, "segment '__proto__' is not allowed"],
    [{ must: [{ key: 'metadata.a.constructor', match: 1 }] }, "'constructor' is not allowed"],
    [{ must: [{ key: 'metadata.prototype', match: 1 }] }, "'prototype' is not allowed"],
    [
      { must: [{ key: 'metadata.x', match: 1, range: { gt: 1 } }] },
      'exactly one of match or range',
    ],
    [{ must: [{ key: 'metadata.x' }] }, 'filter.must[0]: needs exactly one of match or range'],
    [{ must: [{ key: 'metadata.x', match: 1, must: [] }] }, "unknown field 'must'"],
    [{ must: [{ key: 'metadata.x', match: null }] }, 'filter.must[0].match: must be a string'],
    [{ must: [{ key: 'metadata.x', match: NaN }] }, 'filter.must[0].match: must be a finite'],
    [{ must: [{ key: 'metadata.x', match: { all: [1] } }] }, 'must be a value or {any: [values]}'],
    [
      { must: [{ key: 'metadata.x', match: { any: 'a' } }] },
      'filter.must[0].match.any: must be an',
    ],
    [{ must: [{ key: 'metadata.x', match: { any: [1, {}] } }] }, 'filter.must[0].match.any[1]:'],
    [{ must: [{ key: 'metadata.x', range: {} }] }, 'filter.must[0].range: needs at least one'],
    [{ must: [{ key: 'metadata.x', range: { gt: '1' } }] }, 'filter.must[0].range.gt: must be a'],
    [{ must: [{ key: 'metadata.x', range: { lt: Infinity } }] }, 'range.lt: must be a finite'],
    [{ must: [{ key: 'metadata.x', range: { eq: 1 } }] }, "unknown bound 'eq'"],
    [{ must: [{ key: 'documentId', range: { gt: 1 } }] }, 'documentId does not support range'],
    [{ must: [{ key: 'documentId', match: 5 }] }, 'documentId values must be strings'],
    [{ must: [{ key: 'chunkIndex', match: 1.5 }] }, 'chunkIndex values must be integers'],
    [
      { mustNot: [{ key: 'metadata.x', match: 'a\uD800' }] },
      'filter.mustNot[0].match: string is not',
    ],
    [{ should: [{ key: 'metadata.x', match: 'x'.repeat(1025) }] }, 'string longer than 1024'],
  ])('rejects %j naming the path', (input, message) => {
    expect(rejection(input)).toContain(message);
  });

  it('rejects prototype keys even when they arrive through JSON.parse', () => {
    const hostile: unknown = JSON.parse('{"__proto__": {"must": []}}');
    expect(rejection(hostile)).toContain("unknown field '__proto__'");
    const inherited = Object.create({ must: [] }) as unknown;
    expect(rejection(inherited)).toContain('filter: must be an object');
  });

  it('limits depth to 4 by default, and to a configured depth', () => {
    expect(() => parseFilter(nested(4))).not.toThrow();
    expect(rejection(nested(5))).toBe(
      'filter.must[0].must[0].must[0].must[0]: nested deeper than 4 levels',
    );
    expect(rejection(nested(3), { maxDepth: 2 })).toContain('nested deeper than 2 levels');
  });

  it('limits the number of conditions to 64 by default', () => {
    const conditions = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ key: 'chunkIndex', match: i }));
    expect(() => parseFilter({ must: conditions(64) })).not.toThrow();
    expect(rejection({ must: conditions(65) })).toBe('filter.must[64]: more than 64 conditions');
    expect(rejection({ should: conditions(3) }, { maxConditions: 2 })).toContain(
      'filter.should[2]: more than 2 conditions',
    );
    const anyList = { must: [{ key: 'metadata.x', match: { any: [1, 2, 3] } }] };
    expect(rejection(anyList, { maxAnyValues: 2 })).toContain('more than 2 values');
  });

  it('gives the error a machine-readable path and reason', () => {
    try {
      parseFilter({ must: [{ key: 'metadata.x', range: { gt: 'a' } }] });
      throw new Error('unreachable');
    } catch (error) {
      expect(error).toBeInstanceOf(FilterValidationError);
      const e = error as FilterValidationError;
      expect(e.path).toBe('filter.must[0].range.gt');
      expect(e.reason).toBe('must be a finite number');
      expect(e.name).toBe('FilterValidationError');
    }
  });
});

describe('parseFilterKey', () => {
  it('splits metadata paths and names top-level fields', () => {
    expect(parseFilterKey('documentId')).toEqual({ field: 'documentId' });
    expect(parseFilterKey('chunkIndex')).toEqual({ field: 'chunkIndex' });
    expect(parseFilterKey('metadata.a.b-c.0')).toEqual({
      field: 'metadata',
      path: ['a', 'b-c', '0'],
    });
    expect(typeof parseFilterKey('metadata')).toBe('string');
    expect(typeof parseFilterKey(`metadata.${'a'.repeat(65)}`)).toBe('string');
  });
});

describe('matchesFilter', () => {
  const point = (metadata: Record<string, unknown>, documentId = 'd1', chunkIndex = 0) =>
    ({ documentId, chunkIndex, metadata }) satisfies FilterPayload;
  const m = (key: string, match: unknown): Filter => parseFilter({ must: [{ key, match }] });

  it('matches values with strict types', () => {
    const p = point({ s: '3', n: 3, b: true, z: 0 });
    expect(matchesFilter(m('metadata.s', '3'), p)).toBe(true);
    expect(matchesFilter(m('metadata.s', 3), p)).toBe(false);
    expect(matchesFilter(m('metadata.n', 3), p)).toBe(true);
    expect(matchesFilter(m('metadata.n', '3'), p)).toBe(false);
    expect(matchesFilter(m('metadata.b', true), p)).toBe(true);
    expect(matchesFilter(m('metadata.b', 1), p)).toBe(false);
    expect(matchesFilter(m('metadata.z', false), p)).toBe(false);
  });

  it('matches an array when any element is equal, but not nested containers', () => {
    const p = point({ tags: ['a', 2, true, ['x'], { y: 1 }] });
    expect(matchesFilter(m('metadata.tags', 'a'), p)).toBe(true);
    expect(matchesFilter(m('metadata.tags', 2), p)).toBe(true);
    expect(matchesFilter(m('metadata.tags', true), p)).toBe(true);
    expect(matchesFilter(m('metadata.tags', '2'), p)).toBe(false);
    expect(matchesFilter(m('metadata.tags', 'x'), p)).toBe(false);
    expect(matchesFilter(m('metadata.tags.y', 1), p)).toBe(false);
  });

  it('follows nested object paths through own properties only', () => {
    const p = point({ a: { b: { c: 'deep' } } });
    expect(matchesFilter(m('metadata.a.b.c', 'deep'), p)).toBe(true);
    expect(matchesFilter(m('metadata.a.b', 'deep'), p)).toBe(false);
    expect(matchesFilter(m('metadata.a.toString', 'x'), p)).toBe(false);
  });

  it('matches any of several values; an empty any matches nothing', () => {
    const p = point({ lang: 'de' });
    expect(matchesFilter(m('metadata.lang', { any: ['en', 'de'] }), p)).toBe(true);
    expect(matchesFilter(m('metadata.lang', { any: ['en', 'fr'] }), p)).toBe(false);
    expect(matchesFilter(m('metadata.lang', { any: [] }), p)).toBe(false);
  });

  it('applies every range bound to numbers only', () => {
    const r = (range: Record<string, number>) =>
      parseFilter({ must: [{ key: 'metadata.y', range }] });
    expect(matchesFilter(r({ gt: 1, lt: 3 }), point({ y: 2 }))).toBe(true);
    expect(matchesFilter(r({ gt: 2 }), point({ y: 2 }))).toBe(false);
    expect(matchesFilter(r({ gte: 2 }), point({ y: 2 }))).toBe(true);
    expect(matchesFilter(r({ lt: 2 }), point({ y: 2 }))).toBe(false);
    expect(matchesFilter(r({ lte: 2 }), point({ y: 2 }))).toBe(true);
    expect(matchesFilter(r({ gte: 0 }), point({ y: '5' }))).toBe(false);
    expect(matchesFilter(r({ gte: 0 }), point({ y: [5] }))).toBe(false);
    expect(matchesFilter(r({ gte: 0 }), point({}))).toBe(false);
  });

  it('addresses documentId and chunkIndex', () => {
    const p = point({}, 'doc-7', 4);
    expect(matchesFilter(m('documentId', 'doc-7'), p)).toBe(true);
    expect(matchesFilter(m('chunkIndex', 4), p)).toBe(true);
    const range = parseFilter({ must: [{ key: 'chunkIndex', range: { gte: 5 } }] });
    expect(matchesFilter(range, p)).toBe(false);
  });

  it('combines must, should and mustNot, and keeps points missing a key under mustNot', () => {
    const filter = parseFilter({
      must: [{ key: 'metadata.kind', match: 'article' }],
      should: [
        { key: 'metadata.lang', match: 'en' },
        { must: [{ key: 'metadata.year', range: { gte: 2020 } }] },
      ],
      mustNot: [{ key: 'metadata.draft', match: true }],
    });
    expect(matchesFilter(filter, point({ kind: 'article', lang: 'en' }))).toBe(true);
    expect(matchesFilter(filter, point({ kind: 'article', lang: 'de', year: 2021 }))).toBe(true);
    expect(matchesFilter(filter, point({ kind: 'article', lang: 'de', year: 2019 }))).toBe(false);
    expect(matchesFilter(filter, point({ kind: 'article', lang: 'en', draft: true }))).toBe(false);
    expect(matchesFilter(filter, point({ kind: 'note', lang: 'en' }))).toBe(false);
  });

  it('treats an empty should list as no constraint', () => {
    expect(matchesFilter({ should: [] }, point({}))).toBe(true);
  });
});
