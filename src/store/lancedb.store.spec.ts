import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@lancedb/lancedb';
import { FilterValidationError } from './filter';
import {
  CollectionConflictError,
  CollectionNotFoundError,
  LanceDbStore,
  LanceDbStoreOptions,
  SearchRequestError,
} from './lancedb.store';
import { PointValidationError } from './lancedb/point-batch';
import type { CollectionSpec, StoredPoint } from './vector-store.port';
import { seededRandom } from '../common/seeded-random';
import { cosine } from '../embedding/unit-vector';

/** Adapter-specific behaviour; the shared behaviour is in lancedb.contract.int-spec.ts. */

function spec(
  name: string,
  dimensions: number,
  extra: Partial<CollectionSpec> = {},
): CollectionSpec {
  return {
    name,
    dimensions,
    distance: 'cosine',
    hnsw: { m: 16, efConstruct: 100 },
    quantization: 'int8',
    hybrid: true,
    ...extra,
  };
}

function points(count: number, dimensions: number, seed: number, offset = 0): StoredPoint[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, k) => {
    const i = k + offset;
    return {
      id: `id-${i}`,
      vector: Float32Array.from({ length: dimensions }, () => random() * 2 - 1),
      documentId: `doc-${Math.floor(i / 10)}`,
      chunkIndex: i % 10,
      text: `the chunk number ${i} about ${i % 2 ? 'rivers' : 'mountains'}`,
      contentHash: `hash-${i}`,
      headingPath: ['H1', `H2 ${i}`],
      start: i,
      end: i + 1,
      metadata: { i },
    };
  });
}

describe('LanceDbStore', () => {
  let dir: string;
  const opened: LanceDbStore[] = [];

  async function open(extra: Partial<LanceDbStoreOptions> = {}): Promise<LanceDbStore> {
    const store = await LanceDbStore.open({ dataDir: dir, readConsistencyIntervalMs: 0, ...extra });
    opened.push(store);
    return store;
  }

  async function vectorIndexType(collection: string): Promise<string | undefined> {
    const db = await connect(dir);
    try {
      const table = await db.openTable(collection);
      const indices = await table.listIndices();
      table.close();
      return indices.find((i) => i.columns.includes('vector'))?.indexType;
    } finally {
      db.close();
    }
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ragline-lancedb-store-'));
  });

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it('searches exactly below the threshold, builds an int8 HNSW index past it, and tracks unindexed rows', async () => {
    const store = await open({ indexThreshold: 50 });
    await store.ensureCollection(spec('c', 16));
    await store.upsert('c', points(40, 16, 1));
    await store.waitForIndexing('c');
    // Not due for a vector index yet; the 40 rows are new to the BM25 index.
    expect(await store.info('c')).toEqual({
      name: 'c',
      points: 40,
      unindexedRows: 40,
      indexed: false,
    });
    await store.optimize('c');
    expect(await store.info('c')).toEqual({
      name: 'c',
      points: 40,
      unindexedRows: 0,
      indexed: false,
    });

    await store.upsert('c', points(20, 16, 2, 40));
    await store.waitForIndexing('c');
    expect(await store.info('c')).toEqual({
      name: 'c',
      points: 60,
      unindexedRows: 0,
      indexed: true,
      vectorIndex: expect.stringMatching(
        /^IVF_HNSW_SQ \(HNSW over int8, m 16, efConstruction 100\): .*at least limit × 4$/,
      ) as string,
    });
    expect(await vectorIndexType('c')).toBe('IvfHnswSq');

    await store.upsert('c', points(5, 16, 3, 60));
    expect(await store.info('c')).toMatchObject({ points: 65, unindexedRows: 5, indexed: true });
    const newest = points(5, 16, 3, 60)[2];
    const [[hit]] = await store.search('c', [{ mode: 'dense', vector: newest.vector, limit: 1 }]);
    expect(hit.id).toBe(newest.id);

    await store.optimize('c');
    expect(await store.info('c')).toMatchObject({ points: 65, unindexedRows: 0, indexed: true });
  });

  it("indexes quantization 'none' with IVF_FLAT (float32 vectors)", async () => {
    const store = await open({ indexThreshold: 30 });
    await store.ensureCollection(spec('flat', 8, { quantization: 'none' }));
    await store.upsert('flat', points(40, 8, 4));
    await store.optimize('flat');
    expect(await vectorIndexType('flat')).toBe('IvfFlat');
    const query = points(40, 8, 4)[7];
    const [[hit]] = await store.search('flat', [{ mode: 'dense', vector: query.vector, limit: 1 }]);
    expect(hit.id).toBe(query.id);
  });

  it('int8 ANN search with refinement returns exact cosine scores and near-exact neighbours', async () => {
    const dims = 32;
    const store = await open({ indexThreshold: 500 });
    await store.ensureCollection(spec('ann', dims, { hybrid: false }));
    const data = points(3000, dims, 5);
    await store.upsert('ann', data.slice(0, 1500));
    await store.upsert('ann', data.slice(1500));
    await store.optimize('ann');
    expect((await store.info('ann'))?.indexed).toBe(true);

    const queries = points(40, dims, 99, 10_000);
    let overlap = 0;
    for (const q of queries) {
      const [approx, exact] = await store.search('ann', [
        { mode: 'dense', vector: q.vector, limit: 10 },
        { mode: 'dense', vector: q.vector, limit: 10, exact: true },
      ]);
      const truth = new Set(exact.map((h) => h.id));
      overlap += approx.filter((h) => truth.has(h.id)).length;
      for (const hit of approx) {
        const stored = data.find((p) => p.id === hit.id) as StoredPoint;
        expect(hit.score).toBeCloseTo(cosine(q.vector, stored.vector), 4);
      }
    }
    expect(overlap / (queries.length * 10)).toBeGreaterThanOrEqual(0.95);
  });

  it('defers the index build in bulk-load mode and builds it when bulk load ends', async () => {
    const store = await open({ indexThreshold: 20 });
    await store.ensureCollection(spec('bulk', 8));
    await store.setBulkLoad('bulk', true);
    await store.upsert('bulk', points(30, 8, 6));
    await store.waitForIndexing('bulk');
    expect(await store.info('bulk')).toMatchObject({ indexed: false, unindexedRows: 30 });
    await store.setBulkLoad('bulk', false);
    await store.waitForIndexing('bulk');
    expect(await store.info('bulk')).toMatchObject({ indexed: true, unindexedRows: 0 });
  });

  it('persists the collection spec with the table and checks it on reopen', async () => {
    const first = await open();
    await first.ensureCollection(spec('keep', 8, { quantization: 'none' }));
    await first.upsert('keep', points(3, 8, 7));
    await first.close();

    const second = await open();
    await expect(
      second.ensureCollection(spec('keep', 8, { quantization: 'none' })),
    ).resolves.toBeUndefined();
    const conflict = second.ensureCollection(spec('keep', 8, { quantization: 'int8' }));
    await expect(conflict).rejects.toBeInstanceOf(CollectionConflictError);
    await expect(conflict).rejects.toThrow('quantization is none, asked int8');
    expect(await second.count('keep')).toBe(3);
  });

  it("sees another process's writes within readConsistencyIntervalMs", async () => {
    const writer = await open();
    const reader = await open({ readConsistencyIntervalMs: 200 });
    await writer.ensureCollection(spec('shared', 8));
    await writer.upsert('shared', points(2, 8, 8));
    expect(await reader.count('shared')).toBe(2);
    await writer.upsert('shared', points(3, 8, 9, 100));
    const deadline = Date.now() + 3000;
    let seen = await reader.count('shared');
    while (seen !== 5 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      seen = await reader.count('shared');
    }
    expect(seen).toBe(5);
  });

  it("sees another process's completed writes at once where a read decides something", async () => {
    const writer = await open();
    const reader = await open({ readConsistencyIntervalMs: 60_000 });
    await writer.ensureCollection(spec('fresh', 8));
    await writer.upsert('fresh', points(10, 8, 3));
    expect(await reader.count('fresh')).toBe(10);
    // A document shrinks in another process: the next job's diff must see the new state,
    // and a search cached under the collection's next version must not miss the change.
    await writer.deleteByIds('fresh', ['id-7', 'id-8', 'id-9']);
    const [probe] = points(1, 8, 99);
    await writer.upsert('fresh', [{ ...probe, id: 'new', documentId: 'doc-new', chunkIndex: 0 }]);
    expect((await reader.listDocumentChunks('fresh', 'doc-0')).map((c) => c.id)).toEqual(
      Array.from({ length: 7 }, (_, i) => `id-${i}`),
    );
    expect(await reader.count('fresh')).toBe(8);
    const [hits] = await reader.search('fresh', [
      { mode: 'dense', vector: probe.vector, limit: 1, exact: true },
    ]);
    expect(hits[0].id).toBe('new');
  });

  it('keeps the last copy when a batch repeats an id', async () => {
    const store = await open();
    await store.ensureCollection(spec('dup', 8));
    const [a] = points(1, 8, 10);
    await store.upsert('dup', [a, { ...a, text: 'second copy wins' }]);
    expect(await store.count('dup')).toBe(1);
    const [[hit]] = await store.search('dup', [{ mode: 'bm25', text: 'second copy', limit: 1 }]);
    expect(hit.text).toBe('second copy wins');
  });

  it('round-trips metadata and heading paths with quotes, unicode and nesting', async () => {
    const store = await open();
    await store.ensureCollection(spec('meta', 8));
    const [p] = points(1, 8, 11);
    const metadata = { q: 'it\'s "quoted" \\ back', u: 'é😀', nested: { a: [1, 'x', null, true] } };
    await store.upsert('meta', [{ ...p, metadata, headingPath: ["O'Brien", 'Ü'] }]);
    const [[hit]] = await store.search('meta', [{ mode: 'dense', vector: p.vector, limit: 1 }]);
    expect(hit.metadata).toEqual(metadata);
    expect(hit.headingPath).toEqual(["O'Brien", 'Ü']);
    expect(await store.count('meta', { must: [{ key: 'metadata.q', match: metadata.q }] })).toBe(1);
  });

  it('drops stop words from BM25 by default and keeps them when configured', async () => {
    const withStopWords = await open();
    await withStopWords.ensureCollection(spec('stop', 8));
    await withStopWords.upsert('stop', points(4, 8, 12));
    const [none] = await withStopWords.search('stop', [{ mode: 'bm25', text: 'the', limit: 5 }]);
    expect(none).toEqual([]);
    const [stemmed] = await withStopWords.search('stop', [
      { mode: 'bm25', text: 'river', limit: 5 },
    ]);
    expect(stemmed.map((h) => h.id).sort()).toEqual(['id-1', 'id-3']);

    const keeping = await open({ ftsStopWords: false });
    await keeping.ensureCollection(spec('nostop', 8));
    await keeping.upsert('nostop', points(4, 8, 12));
    const [hits] = await keeping.search('nostop', [{ mode: 'bm25', text: 'the', limit: 5 }]);
    expect(hits).toHaveLength(4);
  });

  it('rejects bad input with errors that say what is wrong', async () => {
    const store = await open();
    await store.ensureCollection(spec('v', 8, { hybrid: false }));
    const [p] = points(1, 8, 13);
    await expect(store.upsert('v', [{ ...p, vector: new Float32Array(4) }])).rejects.toBeInstanceOf(
      PointValidationError,
    );
    await expect(store.upsert('v', [{ ...p, chunkIndex: -1 }])).rejects.toThrow('chunkIndex');
    await expect(
      store.search('v', [{ mode: 'dense', vector: new Float32Array(3), limit: 1 }]),
    ).rejects.toBeInstanceOf(SearchRequestError);
    await expect(store.search('v', [{ mode: 'bm25', text: 'x', limit: 1 }])).rejects.toThrow(
      'has no BM25 index',
    );
    await expect(
      store.search('v', [{ mode: 'dense', vector: p.vector, limit: 0 }]),
    ).rejects.toThrow('limit');
    await expect(store.deleteByFilter('v', {})).rejects.toBeInstanceOf(FilterValidationError);
    await expect(store.count('missing')).rejects.toBeInstanceOf(CollectionNotFoundError);
    await expect(store.collectionExists('../escape')).rejects.toThrow('collection name');
    await expect(store.ensureCollection({ ...spec('x', 8), dimensions: 0 })).rejects.toThrow(
      'dimensions',
    );
  });

  it('optimize removes table versions older than the retention', async () => {
    const store = await open({ versionRetentionMs: 0 });
    await store.ensureCollection(spec('versions', 8));
    for (let i = 0; i < 4; i++) await store.upsert('versions', points(2, 8, 14 + i, i * 2));
    const db = await connect(dir);
    const table = await db.openTable('versions');
    const before = (await table.listVersions()).length;
    await store.optimize('versions');
    await table.checkoutLatest();
    const after = (await table.listVersions()).length;
    table.close();
    db.close();
    expect(before).toBeGreaterThan(4);
    expect(after).toBeLessThan(before);
    expect(await store.count('versions')).toBe(8);
  });

  it('samples only live rows after deletes, over several fragments, with their vectors', async () => {
    const store = await open();
    await store.ensureCollection(spec('s', 16));
    const all = [...points(30, 16, 4), ...points(30, 16, 5, 30)];
    await store.upsert('s', all.slice(0, 30));
    await store.upsert('s', all.slice(30));
    await store.deleteByIds(
      's',
      all.filter((_, i) => i % 3 === 0).map((p) => p.id),
    );
    const live = all.filter((_, i) => i % 3 !== 0);
    const sample = await store.sampleVectors('s', 100);
    expect(sample.map((p) => p.id).sort()).toEqual(live.map((p) => p.id).sort());
    for (const p of sample) {
      expect(Array.from(p.vector)).toEqual(Array.from(live.find((l) => l.id === p.id)!.vector));
    }
    expect(await store.sampleVectors('s', 7)).toHaveLength(7);
  });

  it('answers ping while open and refuses work after close', async () => {
    const store = await open();
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
    await expect(store.ping()).rejects.toThrow('closed');
  });
});
