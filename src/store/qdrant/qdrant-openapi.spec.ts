import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { QdrantStore } from '../qdrant.store';
import type { CollectionSpec, SearchHit, StoredPoint } from '../vector-store.port';
import { FakeQdrantServer, ok, type RecordedExchange } from './testing/fake-qdrant-server';
import { QdrantOpenApi } from './testing/qdrant-openapi';

/**
 * Every request the adapter sends is checked against the request-body schema (and the query
 * parameters) of the operation that Qdrant's OpenAPI document gives that method + path; every
 * answer of the stand-in server is checked against the documented response schema, and the
 * adapter's reading of those answers is asserted. No Qdrant server is needed.
 */
const OPENAPI_PATH = resolve(process.cwd(), '..', 'shared', 'qdrant', 'openapi.json');
const available = existsSync(OPENAPI_PATH);
const describeWithDocument = available ? describe : describe.skip;
const title = available
  ? 'Qdrant adapter requests and responses against the OpenAPI document'
  : `SKIPPED: ${OPENAPI_PATH} not found (../shared is absent beside the repo), so the Qdrant OpenAPI document cannot be checked`;

const DIMS = 8;

function vector(seed: number): Float32Array {
  return Float32Array.from({ length: DIMS }, (_, i) => Math.sin(seed * 7 + i) / 3);
}

function uuid(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

function point(n: number, documentId: string, text: string): StoredPoint {
  return {
    id: uuid(n),
    vector: vector(n),
    documentId,
    chunkIndex: n,
    text,
    contentHash: `hash-${n}`,
    headingPath: ['Intro', `Part ${n}`],
    start: n * 10,
    end: n * 10 + text.length,
    metadata: { lang: 'en', year: 2000 + n, tags: ['a', 'b'] },
  };
}

/** A dense-only collection without quantization. */
function plainSpec(name: string): CollectionSpec {
  return {
    name,
    dimensions: DIMS,
    distance: 'cosine',
    hnsw: { m: 16, efConstruct: 100 },
    quantization: 'none',
    hybrid: false,
  };
}

function scoredPoint(n: number, score: number): Record<string, unknown> {
  return {
    id: uuid(n),
    version: 3,
    score,
    payload: {
      documentId: `doc-${n}`,
      chunkIndex: n,
      text: `text ${n}`,
      headingPath: ['H'],
      metadata: { lang: 'en' },
    },
  };
}

describeWithDocument(title, () => {
  let api: QdrantOpenApi;
  let server: FakeQdrantServer;
  let store: QdrantStore;
  const seenOperations = new Map<string, RecordedExchange[]>();

  /** Checks every exchange recorded so far against the document; returns the violations. */
  function violations(): string[] {
    const problems: string[] = [];
    for (const exchange of server.exchanges.splice(0)) {
      const { request, reply } = exchange;
      const op = api.operationFor(request.method, request.path);
      if (!op) {
        problems.push(`${request.method} ${request.path}: no such operation in the document`);
        continue;
      }
      seenOperations.set(op.operationId, [...(seenOperations.get(op.operationId) ?? []), exchange]);
      problems.push(...api.requestBodyErrors(op, request.body));
      problems.push(...api.queryParamErrors(op, request.query));
      if (typeof reply.body !== 'string') {
        problems.push(
          ...api.responseErrors(op, reply.status, reply.body).map((e) => `response ${e}`),
        );
      }
    }
    return problems;
  }

  function lastBody(method: string, pathSuffix: string): unknown {
    const found = [...server.exchanges]
      .reverse()
      .find((e) => e.request.method === method && e.request.path.endsWith(pathSuffix));
    if (!found) throw new Error(`no ${method} *${pathSuffix} recorded`);
    return found.request.body;
  }

  beforeAll(async () => {
    api = QdrantOpenApi.load(OPENAPI_PATH);
    server = await FakeQdrantServer.start();
    store = new QdrantStore({ url: server.url, retry: { retries: 0 } });
  });

  afterAll(async () => {
    await store.close();
    await server.close();
  });

  afterEach(() => {
    server.clearHandlers();
    expect(violations()).toEqual([]);
  });

  it('the validators reject bodies that break the document (so a mismatch fails these tests)', () => {
    const create = api.operationById('create_collection');
    expect(
      api.requestBodyErrors(create, { vectors: { dense: { size: 8, distance: 'cosine' } } }),
    ).not.toEqual([]);
    const batch = api.operationById('query_batch_points');
    expect(
      api.requestBodyErrors(batch, { searches: [{ query: [1], params: { hnsw_ef: 0 } }] }),
    ).not.toEqual([]);
    expect(
      api.requestBodyErrors(batch, { searches: [{ query: [1], usnig: 'dense' }] }),
    ).not.toEqual([]);
    const count = api.operationById('count_points');
    expect(
      api.requestBodyErrors(count, { filter: { must: [{ key: 'k', match: { value: 1.5 } }] } }),
    ).not.toEqual([]);
    expect(
      api.responseErrors(batch, 200, { result: [{ points: [{ id: 'x', score: 1 }] }] }),
    ).not.toEqual([]);
    expect(
      api.queryParamErrors(api.operationById('upsert_points'), new URLSearchParams('wiat=true')),
    ).not.toEqual([]);
    const query = api.operationById('query_batch_points');
    expect(api.queryParamErrors(query, new URLSearchParams('consistency=most'))).not.toEqual([]);
    expect(api.queryParamErrors(query, new URLSearchParams('consistency=majority'))).toEqual([]);
    expect(api.queryParamErrors(query, new URLSearchParams('consistency=2'))).toEqual([]);
    expect(
      api.requestBodyErrors(api.operationById('create_collection'), { replication_factor: 0 }),
    ).not.toEqual([]);
  });

  it('creates an int8 + hybrid collection with the documented body and its base payload indexes', async () => {
    await store.ensureCollection({
      name: 'docs',
      dimensions: DIMS,
      distance: 'cosine',
      hnsw: { m: 24, efConstruct: 200 },
      quantization: 'int8',
      hybrid: true,
    });
    expect(lastBody('PUT', '/collections/docs')).toEqual({
      vectors: { dense: { size: DIMS, distance: 'Cosine', on_disk: true } },
      hnsw_config: { m: 24, ef_construct: 200 },
      quantization_config: { scalar: { type: 'int8', quantile: 0.99, always_ram: true } },
      sparse_vectors: { bm25: { modifier: 'idf' } },
    });
    const indexes = server.exchanges
      .filter((e) => e.request.method === 'PUT' && e.request.path === '/collections/docs/index')
      .map((e) => [e.request.body, e.request.query.get('wait')]);
    expect(indexes).toEqual([
      [{ field_name: 'documentId', field_schema: 'keyword' }, 'true'],
      [{ field_name: 'chunkIndex', field_schema: 'integer' }, 'true'],
    ]);
  });

  it('creates a plain dense collection without quantization or sparse vectors', async () => {
    await store.ensureCollection(plainSpec('plain'));
    expect(lastBody('PUT', '/collections/plain')).toEqual({
      vectors: { dense: { size: DIMS, distance: 'Cosine', on_disk: false } },
      hnsw_config: { m: 16, ef_construct: 100 },
    });
  });

  it('upserts named dense + BM25 sparse vectors and the chunk payload, waiting for the write', async () => {
    const points = [
      point(1, 'doc-a', 'The quick brown fox jumps'),
      point(2, 'doc-a', 'Foxes: quick!'),
    ];
    await store.upsert('docs', points);
    // A payload index for each metadata key the upsert stored, made before the points go in.
    const indexes = server.exchanges
      .filter((e) => e.request.path === '/collections/docs/index')
      .map((e) => [e.request.body, e.request.query.get('wait')]);
    expect(indexes).toEqual([
      [{ field_name: 'metadata.lang', field_schema: 'keyword' }, 'true'],
      [{ field_name: 'metadata.year', field_schema: 'integer' }, 'true'],
      [{ field_name: 'metadata.tags', field_schema: 'keyword' }, 'true'],
    ]);
    const upsert = server.exchanges.find(
      (e) => e.request.method === 'PUT' && e.request.path === '/collections/docs/points',
    );
    expect(upsert?.request.query.get('wait')).toBe('true');
    const body = upsert?.request.body as {
      points: Array<{ id: string; vector: Record<string, unknown>; payload: unknown }>;
    };
    expect(body.points.map((p) => p.id)).toEqual([uuid(1), uuid(2)]);
    expect(body.points[0].vector.dense).toEqual(Array.from(points[0].vector));
    expect(body.points[0].vector.bm25).toEqual({
      indices: expect.any(Array),
      values: expect.any(Array),
    });
    expect(body.points[0].payload).toEqual({
      documentId: 'doc-a',
      chunkIndex: 1,
      text: 'The quick brown fox jumps',
      contentHash: 'hash-1',
      headingPath: ['Intro', 'Part 1'],
      start: 10,
      end: 35,
      metadata: { lang: 'en', year: 2001, tags: ['a', 'b'] },
    });
    // Plain collection: no sparse vector for a collection without one.
    await store.upsert('plain', [point(3, 'doc-b', 'text')]);
    const plain = lastBody('PUT', '/collections/plain/points') as {
      points: Array<{ vector: object }>;
    };
    expect(Object.keys(plain.points[0].vector)).toEqual(['dense']);
  });

  it('lists a document’s chunks through scroll and counts exactly', async () => {
    expect(await store.listDocumentChunks('docs', 'doc-a')).toEqual([
      { id: uuid(1), chunkIndex: 1, contentHash: 'hash-1' },
      { id: uuid(2), chunkIndex: 2, contentHash: 'hash-2' },
    ]);
    expect(lastBody('POST', '/points/scroll')).toEqual({
      filter: { must: [{ key: 'documentId', match: { value: 'doc-a' } }] },
      limit: 1000,
      with_payload: ['chunkIndex', 'contentHash'],
      with_vector: false,
    });
    const whole = await store.listDocumentPoints('docs', 'doc-a');
    expect(whole.map((c) => [c.chunkIndex, c.text, c.start])).toEqual([
      [1, expect.any(String), 10],
      [2, expect.any(String), 20],
    ]);
    expect(whole[0]).toMatchObject({ documentId: 'doc-a', headingPath: ['Intro', 'Part 1'] });
    expect(lastBody('POST', '/points/scroll')).toEqual({
      filter: { must: [{ key: 'documentId', match: { value: 'doc-a' } }] },
      limit: 1000,
      with_payload: true,
      with_vector: false,
    });
    expect(await store.count('docs')).toBe(2);
    expect(lastBody('POST', '/points/count')).toEqual({ exact: true });
    expect(
      await store.count('docs', { must: [{ key: 'metadata.year', range: { gte: 2002 } }] }),
    ).toBe(1);
  });

  it('answers searches from the stand-in`s own store in documented shapes', async () => {
    const [dense, bm25] = await store.search('docs', [
      { mode: 'dense', vector: vector(1), limit: 5 },
      { mode: 'bm25', text: 'quick fox', limit: 5 },
    ]);
    expect(dense.map((h) => h.id)).toEqual([uuid(1), uuid(2)]);
    expect(dense[0].score).toBeCloseTo(1, 5);
    expect(bm25.map((h) => h.documentId)).toEqual(['doc-a', 'doc-a']);
  });

  it('samples stored vectors with one documented random-sample query', async () => {
    const sample = await store.sampleVectors('docs', 5);
    expect(lastBody('POST', '/collections/docs/points/query')).toEqual({
      query: { sample: 'random' },
      limit: 5,
      with_payload: false,
      with_vector: ['dense'],
    });
    expect(sample.map((p) => p.id).sort()).toEqual([uuid(1), uuid(2)]);
    for (const p of sample) expect(p.vector).toHaveLength(DIMS);
  });

  it('asks for exact truth and each quantized mode with documented search params', async () => {
    const q = vector(5);
    await store.search('docs', [
      { mode: 'dense', vector: q, limit: 3, exact: true },
      { mode: 'dense', vector: q, limit: 3, ef: 32, quantization: 'raw' },
      { mode: 'dense', vector: q, limit: 3, ef: 32, quantization: 'ignore' },
      { mode: 'dense', vector: q, limit: 3, ef: 32, quantization: 'rescore' },
    ]);
    const { searches } = lastBody('POST', '/collections/docs/points/query/batch') as {
      searches: Array<{ params: unknown }>;
    };
    expect(searches.map((search) => search.params)).toEqual([
      { exact: true, quantization: { ignore: true } },
      { exact: false, hnsw_ef: 32, quantization: { ignore: false, rescore: false } },
      { exact: false, hnsw_ef: 32, quantization: { ignore: true } },
      { exact: false, hnsw_ef: 32, quantization: { rescore: true, oversampling: 2 } },
    ]);
  });

  it('sends every search of a call in ONE batch query and reads the documented answers into hits', async () => {
    server.use((req) => {
      if (!req.path.endsWith('/points/query/batch')) return undefined;
      const searches = (req.body as { searches: unknown[] }).searches;
      return ok(
        searches.map((_, i) => ({
          points: [scoredPoint(10 + i, 0.9 - i / 10), scoredPoint(20, 0.3)],
        })),
      );
    });
    const q = vector(99);
    const results = await store.search('docs', [
      { mode: 'dense', vector: q, limit: 5, ef: 64, exact: false, scoreThreshold: 0.1 },
      {
        mode: 'bm25',
        text: 'quick foxes',
        limit: 5,
        filter: { must: [{ key: 'metadata.lang', match: 'en' }] },
      },
      {
        mode: 'hybrid',
        vector: q,
        text: 'quick fox',
        limit: 3,
        filter: {
          should: [
            { key: 'metadata.tags', match: { any: ['a', 'c'] } },
            { key: 'metadata.year', match: { any: [2001, 2002.5, true] } },
          ],
          mustNot: [{ must: [{ key: 'documentId', match: 'doc-z' }] }],
        },
      },
      { mode: 'hybrid', vector: q, text: 'quick fox', limit: 3, weights: { dense: 2, bm25: 1 } },
    ]);
    const batches = server.exchanges.filter(
      (e) => e.request.path === '/collections/docs/points/query/batch',
    );
    expect(batches).toHaveLength(1);
    const searches = (batches[0].request.body as { searches: Array<Record<string, unknown>> })
      .searches;
    // dense, bm25, hybrid (server RRF), weighted hybrid (dense + bm25 lists fused here)
    expect(searches).toHaveLength(5);
    expect(searches[0]).toMatchObject({
      using: 'dense',
      limit: 5,
      score_threshold: 0.1 - 1e-6,
      params: { hnsw_ef: 64, exact: false, quantization: { rescore: true, oversampling: 2 } },
    });
    expect(searches[1]).toMatchObject({
      using: 'bm25',
      filter: { must: [{ key: 'metadata.lang', match: { value: 'en' } }] },
    });
    expect(searches[2]).toMatchObject({ query: { fusion: 'rrf' }, limit: 3 });
    expect(searches[2].prefetch).toEqual([
      expect.objectContaining({ using: 'dense', limit: 3 }),
      expect.objectContaining({ using: 'bm25', limit: 3 }),
    ]);
    expect(searches[3]).toMatchObject({ using: 'dense', limit: 3 });
    expect(searches[4]).toMatchObject({ using: 'bm25', limit: 3 });

    const hit = (n: number, score: number): SearchHit => ({
      id: uuid(n),
      documentId: `doc-${n}`,
      chunkIndex: n,
      score,
      text: `text ${n}`,
      headingPath: ['H'],
      metadata: { lang: 'en' },
    });
    expect(results[0]).toEqual([hit(10, 0.9), hit(20, 0.3)]);
    expect(results[1]).toEqual([hit(11, 0.8), hit(20, 0.3)]);
    expect(results[2]).toEqual([hit(12, expect.closeTo(0.7, 6) as number), hit(20, 0.3)]);
    // Weighted RRF (k = 2, 0-based ranks): point 20 is second in both lists: 2/3 + 1/3 = 1;
    // point 13 first in dense: 2/2 = 1 (tie broken by best rank), point 14 first in bm25: 1/2.
    expect(results[3]).toEqual([hit(13, 1), hit(20, 1), hit(14, 0.5)]);
    // No payload index for what the filters named: indexes come from stored metadata only.
    expect(server.exchanges.filter((e) => e.request.path.endsWith('/index'))).toEqual([]);
  });

  it('deletes by ids and by filter', async () => {
    await store.deleteByIds('docs', [uuid(1)]);
    expect(lastBody('POST', '/collections/docs/points/delete')).toEqual({ points: [uuid(1)] });
    await store.deleteByFilter('docs', {
      must: [{ key: 'documentId', match: "doc-a' OR 1=1 --" }],
    });
    expect(lastBody('POST', '/collections/docs/points/delete')).toEqual({
      filter: { must: [{ key: 'documentId', match: { value: "doc-a' OR 1=1 --" } }] },
    });
    const deletes = server.exchanges.filter((e) => e.request.path.endsWith('/points/delete'));
    expect(deletes.every((e) => e.request.query.get('wait') === 'true')).toBe(true);
    expect(await store.count('docs')).toBe(1);
  });

  it('switches bulk-load mode with documented collection updates and reads collection info', async () => {
    await store.setBulkLoad('docs', true);
    expect(lastBody('PATCH', '/collections/docs')).toEqual({
      optimizers_config: { indexing_threshold: 0 },
    });
    await store.setBulkLoad('docs', false);
    const patches = server.exchanges
      .filter((e) => e.request.method === 'PATCH')
      .map((e) => e.request.body);
    expect(patches).toEqual([
      { optimizers_config: { indexing_threshold: 0 } },
      { optimizers_config: { indexing_threshold: 20000 } },
      { optimizers_config: {} },
    ]);
    await store.optimize('docs');
    expect(await store.info('docs')).toEqual({
      name: 'docs',
      points: 1,
      unindexedRows: 1,
      indexed: false,
    });
    expect(await store.info('missing')).toBeNull();
  });

  it('probes readiness, checks existence and drops collections', async () => {
    await store.ping();
    expect(await store.collectionExists('plain')).toBe(true);
    await store.dropCollection('plain');
    expect(await store.collectionExists('plain')).toBe(false);
    await store.dropCollection('plain');
  });

  it('creates collections spread over a distributed Qdrant and reads with the configured consistency', async () => {
    const distributed = new QdrantStore({
      url: server.url,
      retry: { retries: 0 },
      distribution: {
        shards: 6,
        replicationFactor: 2,
        writeConsistencyFactor: 2,
        readConsistency: 'majority',
      },
    });
    try {
      await distributed.ensureCollection(plainSpec('spread'));
      expect(lastBody('PUT', '/collections/spread')).toMatchObject({
        shard_number: 6,
        replication_factor: 2,
        write_consistency_factor: 2,
      });
      await distributed.upsert('spread', [point(7, 'doc-s', 'spread text')]);
      expect(await distributed.listDocumentChunks('spread', 'doc-s')).toHaveLength(1);
      await distributed.search('spread', [{ mode: 'dense', vector: vector(7), limit: 3 }]);
      const reads = server.exchanges.filter((e) =>
        /\/points\/(scroll|query\/batch)$/.test(e.request.path),
      );
      expect(reads.map((e) => e.request.query.get('consistency'))).toEqual([
        'majority',
        'majority',
      ]);
      // Writes never carry a read consistency.
      const writes = server.exchanges.filter((e) => e.request.path.endsWith('/spread/points'));
      expect(writes.map((e) => e.request.query.get('consistency'))).toEqual([null]);
    } finally {
      await distributed.close();
    }
  });

  it('exercised every operation the adapter uses', () => {
    expect([...seenOperations.keys()].sort()).toEqual(
      [
        'collection_exists',
        'count_points',
        'create_collection',
        'create_field_index',
        'delete_collection',
        'delete_points',
        'get_collection',
        'query_batch_points',
        'query_points',
        'readyz',
        'scroll_points',
        'update_collection',
        'upsert_points',
      ].sort(),
    );
  });
});
