import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matchesFilter, parseFilter } from '../filter';
import type { Filter } from '../filter.types';
import { LanceDbStore } from '../lancedb.store';
import type { StoredPoint } from '../vector-store.port';
import { filterToSql } from './filter-sql';
import { jsonPath, sqlNumber, sqlString } from './sql-literals';
import { seededRandom } from '../../common/seeded-random';

const HOSTILE = "x' OR 1=1 --";
const STRINGS = ['a', 'b', HOSTILE, '3', 'true', 'é😀', 'quote"back\\slash', '', 'line\nbreak'];
const NUMBERS = [3, -3, 2.5, 0, 1e21, 7, 0.1, -2.4];
const SCALARS: (string | number | boolean)[] = [...STRINGS, ...NUMBERS, true, false];
const DIMS = 8;

describe('filterToSql against matchesFilter on a real LanceDB table', () => {
  const random = seededRandom(20240611);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  let dir: string;
  let store: LanceDbStore;
  const points: StoredPoint[] = [];

  function randomValue(depth = 0): unknown {
    const r = random();
    if (r < 0.5) return pick(SCALARS);
    if (r < 0.75) return Array.from({ length: Math.floor(random() * 4) }, () => pick(SCALARS));
    // Nested arrays never match; 'a' beside one keeps clear of the documented gap (see
    // filter-sql.ts) where a nested value plus its string spelling at the top level matches.
    if (r < 0.82) return [[pick(SCALARS)], 'a'];
    if (r < 0.9 && depth < 2) return { k: randomValue(depth + 1), n: pick(NUMBERS) };
    return null;
  }

  function randomMetadata(): Record<string, unknown> {
    const metadata: Record<string, unknown> = {};
    for (const key of ['s', 'n', 'b', 'mixed', 'obj', 'a-b']) {
      if (random() < 0.8) metadata[key] = randomValue();
    }
    return metadata;
  }

  function randomLeaf(): unknown {
    const key = pick([
      'metadata.s',
      'metadata.n',
      'metadata.b',
      'metadata.mixed',
      'metadata.obj.k',
      'metadata.obj.n',
      'metadata.a-b',
      'metadata.missing',
      'documentId',
      'chunkIndex',
    ]);
    if (key === 'documentId') {
      return {
        key,
        match: random() < 0.5 ? pick(['doc-1', 'doc-2', HOSTILE]) : { any: ['doc-0', 'doc-3'] },
      };
    }
    if (key === 'chunkIndex') {
      return random() < 0.5
        ? { key, match: Math.floor(random() * 5) }
        : { key, range: { gte: Math.floor(random() * 5) - 1, lt: random() * 6 } };
    }
    const r = random();
    if (r < 0.45) return { key, match: pick(SCALARS) };
    if (r < 0.7) return { key, match: { any: [pick(SCALARS), pick(SCALARS)] } };
    const range: Record<string, number> = {};
    if (random() < 0.6) range[pick(['gt', 'gte'])] = pick([...NUMBERS, -10, 2.4, 1e20]);
    if (random() < 0.6 || Object.keys(range).length === 0) {
      range[pick(['lt', 'lte'])] = pick([...NUMBERS, 10, 2.6, 1e22]);
    }
    return { key, range };
  }

  function randomFilter(depth = 1): Record<string, unknown> {
    const filter: Record<string, unknown> = {};
    for (const field of ['must', 'should', 'mustNot']) {
      if (random() < 0.5) continue;
      filter[field] = Array.from({ length: 1 + Math.floor(random() * 3) }, () =>
        depth < 3 && random() < 0.2 ? randomFilter(depth + 1) : randomLeaf(),
      );
    }
    return filter;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ragline-filter-sql-'));
    store = await LanceDbStore.open({ dataDir: dir, readConsistencyIntervalMs: 0 });
    await store.ensureCollection({
      name: 'filters',
      dimensions: DIMS,
      distance: 'cosine',
      hnsw: { m: 16, efConstruct: 64 },
      quantization: 'int8',
      hybrid: false,
    });
    for (let i = 0; i < 300; i++) {
      points.push({
        id: `p${i}`,
        vector: Float32Array.from({ length: DIMS }, () => random() - 0.5),
        documentId: `doc-${i % 4}`,
        chunkIndex: i % 5,
        text: `point ${i}`,
        contentHash: `h${i}`,
        headingPath: [],
        start: 0,
        end: 1,
        metadata: randomMetadata(),
      });
    }
    await store.upsert('filters', points);
  });

  afterAll(async () => {
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function idsMatching(filter: Filter): Promise<string[]> {
    const [hits] = await store.search('filters', [
      { mode: 'dense', vector: points[0].vector, limit: 1000, exact: true, filter },
    ]);
    return hits.map((h) => h.id).sort();
  }

  function expectedIds(filter: Filter): string[] {
    return points
      .filter((p) => matchesFilter(filter, p))
      .map((p) => p.id)
      .sort();
  }

  it('selects exactly the points the reference evaluator selects, for 250 random filters', async () => {
    let nonTrivial = 0;
    for (let i = 0; i < 250; i++) {
      const filter = parseFilter(randomFilter());
      const expected = expectedIds(filter);
      if (expected.length > 0 && expected.length < points.length) nonTrivial++;
      const actual = await idsMatching(filter);
      if (actual.join() !== expected.join()) {
        throw new Error(
          `filter ${JSON.stringify(filter)}\nsql ${filterToSql(filter)}\n` +
            `expected ${expected.length} ids, got ${actual.length}`,
        );
      }
    }
    // Guard against a generator that only produces filters matching all or nothing.
    expect(nonTrivial).toBeGreaterThan(100);
  });

  it('checks every leaf form separately', async () => {
    const leaves: unknown[] = [];
    for (const key of [
      'metadata.s',
      'metadata.n',
      'metadata.b',
      'metadata.mixed',
      'metadata.obj.k',
    ]) {
      for (const value of SCALARS) leaves.push({ key, match: value });
      leaves.push({ key, range: { gt: 0 } }, { key, range: { lte: 2.5 } });
    }
    for (const leaf of leaves) {
      for (const wrap of ['must', 'mustNot', 'should'] as const) {
        const filter = parseFilter({ [wrap]: [leaf] });
        expect({ filter, ids: await idsMatching(filter) }).toEqual({
          filter,
          ids: expectedIds(filter),
        });
      }
    }
  });

  it('evaluates the largest filter validation accepts (1,024 values) exactly, as a shallow tree', async () => {
    // Before: 2,048 ORed terms in one chain crashed the process inside LanceDB (exit 139).
    const any = Array.from({ length: 1024 }, (_, i) =>
      i % 3 === 0 ? i : i % 3 === 1 ? `v${i}` : pick(SCALARS),
    );
    const filter = parseFilter({ must: [{ key: 'metadata.mixed', match: { any } }] });
    const sql = filterToSql(filter);
    let depth = 0;
    let deepest = 0;
    for (const ch of sql) {
      if (ch === '(') deepest = Math.max(deepest, ++depth);
      else if (ch === ')') depth--;
    }
    expect(deepest).toBeLessThan(24);
    expect(await idsMatching(filter)).toEqual(expectedIds(filter));
    expect(() =>
      parseFilter({
        must: [
          { key: 'metadata.s', match: { any } },
          { key: 'metadata.n', match: 1 },
        ],
      }),
    ).toThrow(/more than 1024 values in all/);
  });

  it('never lets a hostile value widen the match', async () => {
    const filter = parseFilter({ must: [{ key: 'documentId', match: HOSTILE }] });
    expect(await idsMatching(filter)).toEqual([]);
    const meta = parseFilter({ must: [{ key: 'metadata.s', match: HOSTILE }] });
    const ids = await idsMatching(meta);
    expect(ids).toEqual(expectedIds(meta));
    expect(ids.length).toBeLessThan(points.length / 2);
    expect(filterToSql(filter)).toContain(`document_id IN ('x'' OR 1=1 --')`);
  });
});

describe('SQL literals', () => {
  it('doubles single quotes and leaves backslashes alone', () => {
    expect(sqlString("it's")).toBe("'it''s'");
    expect(sqlString('a\\')).toBe("'a\\'");
  });

  it('refuses non-finite numbers', () => {
    expect(sqlNumber(-2.5)).toBe('-2.5');
    expect(sqlNumber(-0)).toBe('0');
    expect(() => sqlNumber(NaN)).toThrow(RangeError);
    expect(() => sqlNumber(Infinity)).toThrow(RangeError);
  });

  it('builds JSON paths only from safe segments', () => {
    expect(jsonPath(['a', 'b-c'])).toBe('$["a"]["b-c"]');
    expect(() => jsonPath(['a"]'])).toThrow();
  });
});
