import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { QdrantClient } from '@qdrant/js-client-rest';
import { QdrantStore } from './qdrant.store';
import { FakeQdrantServer, error, ok } from './qdrant/testing/fake-qdrant-server';
import { QdrantRequestError } from './qdrant/qdrant-retry';
import type { CollectionSpec, StoredPoint } from './vector-store.port';

/**
 * Adapter behaviour over real HTTP against a stand-in Qdrant (no server can run here); the
 * request shapes are checked against Qdrant's OpenAPI document in qdrant/qdrant-openapi.spec.ts
 * and the full behaviour against a live server by qdrant.contract.int-spec.ts when QDRANT_URL is set.
 */
const FAST_RETRY = { retries: 3, baseDelayMs: 5, maxDelayMs: 20 };
const clientPackage = JSON.parse(
  readFileSync(
    join(process.cwd(), 'node_modules', '@qdrant', 'js-client-rest', 'package.json'),
    'utf8',
  ),
) as { version: string };
const DIMS = 16;

function spec(name: string, overrides: Partial<CollectionSpec> = {}): CollectionSpec {
  return {
    name,
    dimensions: DIMS,
    distance: 'cosine',
    hnsw: { m: 16, efConstruct: 100 },
    quantization: 'int8',
    hybrid: true,
    ...overrides,
  };
}

function uuid(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

function point(n: number, documentId = 'doc', dims = DIMS, textLength = 40): StoredPoint {
  return {
    id: uuid(n),
    vector: Float32Array.from({ length: dims }, (_, i) => Math.cos(n + i * 0.37)),
    documentId,
    chunkIndex: n,
    text: `chunk ${n} `.padEnd(textLength, 'x'),
    contentHash: `h${n}`,
    headingPath: [],
    start: 0,
    end: textLength,
    metadata: { n },
  };
}

function scored(n: number, score: number): Record<string, unknown> {
  return {
    id: uuid(n),
    version: 1,
    score,
    payload: { documentId: `d${n}`, chunkIndex: n, text: `t${n}`, headingPath: [], metadata: {} },
  };
}

describe('QdrantStore', () => {
  let server: FakeQdrantServer;

  beforeAll(async () => {
    server = await FakeQdrantServer.start();
  });
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  const store = (
    options: Partial<ConstructorParameters<typeof QdrantStore>[0]> = {},
  ): QdrantStore => new QdrantStore({ url: server.url, retry: FAST_RETRY, ...options });
  const sent = (method: string, suffix: string) =>
    server.requests.filter((r) => r.method === method && r.path.endsWith(suffix));

  /**
   * 1.19 declares Node >= 22, but nothing in it needs 22: its own code is the 1.18 code compiled
   * for ES2022 (plus new endpoints), and its undici 7 Agent, handed to Node 20's built-in fetch
   * (undici 6) as the dispatcher, is what these requests (and the timeout and dropped-connection
   * tests below) run through.
   */
  describe('the pinned client (@qdrant/js-client-rest 1.19) on this Node', () => {
    it(`sends requests and parses answers on Node ${process.versions.node}`, async () => {
      expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(20);
      expect(clientPackage.version).toBe('1.19.0');
      const client = new QdrantClient({
        url: server.url,
        checkCompatibility: false,
        timeout: 5000,
      });
      await client.createCollection('c', { vectors: { size: 4, distance: 'Cosine' } });
      expect(await client.collectionExists('c')).toEqual({ exists: true });
      expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        'PUT /collections/c',
        'GET /collections/c/exists',
      ]);
      expect(server.requests[0].body).toEqual({ vectors: { size: 4, distance: 'Cosine' } });
    });

    it('keeps a path prefix of QDRANT_URL and sends the API key header', async () => {
      const seen: string[] = [];
      server.use((req) => {
        seen.push(`${req.path} ${String(req.headers['api-key'])}`);
        return ok({ exists: true });
      });
      const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
      try {
        await store({ url: `${server.url}/qdrant/`, apiKey: 's3cret' }).collectionExists('c');
      } finally {
        warn.mockRestore();
      }
      expect(seen).toEqual(['/qdrant/collections/c/exists s3cret']);
    });
  });

  describe('collections', () => {
    it('creates once, then finds the collection; refuses a spec with other dimensions', async () => {
      const s = store();
      await s.ensureCollection(spec('a'));
      await s.ensureCollection(spec('a'));
      expect(sent('PUT', '/collections/a')).toHaveLength(1);
      await expect(s.ensureCollection(spec('a', { dimensions: 32 }))).rejects.toThrow(
        /other settings: dimensions 16, not 32/,
      );
      await expect(
        s.ensureCollection(spec('a', { hybrid: false, quantization: 'none' })),
      ).rejects.toThrow(/hybrid true, not false, quantization int8, not none/);
    });

    it('accepts losing a creation race to another process', async () => {
      await store().ensureCollection(spec('r'));
      // The other process created it between this one's existence check and its create.
      let first = true;
      server.use((req) => {
        if (req.method === 'GET' && req.path === '/collections/r/exists' && first) {
          first = false;
          return ok({ exists: false });
        }
        return undefined;
      });
      await store().ensureCollection(spec('r'));
      const creates = server.exchanges.filter(
        (e) => e.request.method === 'PUT' && e.request.path === '/collections/r',
      );
      expect(creates.map((e) => e.reply.status)).toEqual([200, 409]);
    });

    it('drops idempotently and reports a missing collection as null info', async () => {
      const s = store();
      await s.ensureCollection(spec('d'));
      await s.dropCollection('d');
      await s.dropCollection('d');
      expect(await s.collectionExists('d')).toBe(false);
      expect(await s.info('d')).toBeNull();
    });
  });

  describe('writes', () => {
    it('splits upserts into requests below the byte budget, each waiting, all points once in order', async () => {
      const s = store({ upsertBatchBytes: 20_000 });
      await s.ensureCollection(spec('w'));
      const points = Array.from({ length: 60 }, (_, i) => point(i, 'doc', DIMS, 600));
      await s.upsert('w', points);
      const upserts = sent('PUT', '/collections/w/points');
      expect(upserts.length).toBeGreaterThan(2);
      for (const request of upserts) {
        expect(Buffer.byteLength(JSON.stringify(request.body))).toBeLessThanOrEqual(20_000);
        expect(request.query.get('wait')).toBe('true');
      }
      const ids = upserts.flatMap((r) =>
        (r.body as { points: Array<{ id: string }> }).points.map((p) => p.id),
      );
      expect(ids).toEqual(points.map((p) => p.id));
      expect(await s.count('w')).toBe(60);
    });

    it('keeps default batches under 8 MB for 512-dimension points', async () => {
      const s = store();
      await s.ensureCollection(spec('big', { dimensions: 512 }));
      await s.upsert(
        'big',
        Array.from({ length: 700 }, (_, i) => point(i, 'doc', 512, 2000)),
      );
      const sizes = sent('PUT', '/collections/big/points').map((r) =>
        Buffer.byteLength(JSON.stringify(r.body)),
      );
      expect(sizes.length).toBeGreaterThanOrEqual(2);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(8 * 1024 * 1024);
    });

    it('deletes ids in bounded requests and lists a document`s chunks across scroll pages', async () => {
      const s = store();
      await s.ensureCollection(spec('p', { hybrid: false }));
      const points = Array.from({ length: 2300 }, (_, i) =>
        point(i, i % 2 === 0 ? 'even' : 'odd', 4, 10),
      );
      await s.upsert(
        'p',
        points.map((p) => ({ ...p, vector: p.vector.subarray(0, DIMS) })),
      );
      const even = await s.listDocumentChunks('p', 'even');
      expect(even).toHaveLength(1150);
      expect(even.map((c) => c.chunkIndex)).toEqual(
        points.filter((_, i) => i % 2 === 0).map((p) => p.chunkIndex),
      );
      expect(sent('POST', '/points/scroll')).toHaveLength(2);
      await s.deleteByIds(
        'p',
        points.slice(0, 2100).map((p) => p.id),
      );
      expect(sent('POST', '/points/delete')).toHaveLength(3);
      expect(await s.count('p')).toBe(200);
    });
  });

  it('stores no sparse vector for a chunk without searchable terms', async () => {
    const s = store();
    await s.ensureCollection(spec('sw'));
    await s.upsert('sw', [{ ...point(1), text: 'the and of it' }, point(2)]);
    const [upsert] = sent('PUT', '/collections/sw/points');
    const vectors = (upsert.body as { points: Array<{ vector: object }> }).points.map((p) =>
      Object.keys(p.vector),
    );
    expect(vectors).toEqual([['dense'], ['dense', 'bm25']]);
  });

  describe('transient failures', () => {
    it('retries 5xx, 429 and dropped connections, then succeeds', async () => {
      const failures = [
        error(503, 'Service Unavailable'),
        error(429, 'Too many requests'),
        { dropConnection: true },
        error(500, 'boom'),
      ];
      server.use((req) => (req.path.endsWith('/exists') ? failures.shift() : undefined));
      expect(await store({ retry: { ...FAST_RETRY, retries: 4 } }).collectionExists('x')).toBe(
        false,
      );
      expect(sent('GET', '/exists')).toHaveLength(5);
    });

    it('gives up after the retry budget with an error naming the operation and Qdrant`s reason', async () => {
      server.use(() => error(503, 'shard is being transferred'));
      const failure = store({ retry: { ...FAST_RETRY, retries: 2 } }).count('x');
      await expect(failure).rejects.toThrow(QdrantRequestError);
      await expect(failure).rejects.toThrow(
        'Qdrant count failed (HTTP 503): shard is being transferred',
      );
      expect(sent('POST', '/points/count')).toHaveLength(3);
    });

    it('does not retry client errors', async () => {
      server.use(() => error(400, 'Wrong input: Vector dimension error: expected dim: 16, got 3'));
      await expect(store().count('x')).rejects.toThrow(/HTTP 400.*Vector dimension error/);
      expect(server.requests).toHaveLength(1);
    });

    it('fails a request that exceeds its time budget without retrying it', async () => {
      server.use(() => ({ ...ok({ exists: true }), delayMs: 1500 }));
      const started = Date.now();
      await expect(store({ timeoutMs: 150 }).collectionExists('slow')).rejects.toThrow(/timed out/);
      expect(Date.now() - started).toBeLessThan(1200);
      expect(server.requests).toHaveLength(1);
    });

    it('retries when nothing listens yet, and reports the connection failure', async () => {
      const closed = createServer();
      await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
      const { port } = closed.address() as AddressInfo;
      await new Promise<void>((r) => closed.close(() => r()));
      const s = new QdrantStore({
        url: `http://127.0.0.1:${port}`,
        retry: { retries: 2, baseDelayMs: 5, maxDelayMs: 10 },
      });
      await expect(s.ping()).rejects.toThrow(/ping failed: fetch failed \(.*ECONNREFUSED/);
      await expect(s.collectionExists('x')).rejects.toThrow(
        /collection exists failed: fetch failed/,
      );
    });
  });

  describe('search', () => {
    it('answers a mixed list of searches with one batch request, in request order', async () => {
      const s = store();
      await s.ensureCollection(spec('s'));
      server.use((req) =>
        req.path.endsWith('/query/batch')
          ? ok(
              (req.body as { searches: unknown[] }).searches.map((_, i) => ({
                points: [scored(i, 1 - i / 10)],
              })),
            )
          : undefined,
      );
      const v = Float32Array.from({ length: DIMS }, () => 0.25);
      const results = await s.search('s', [
        { mode: 'dense', vector: v, limit: 3 },
        { mode: 'bm25', text: 'the and of', limit: 3 },
        { mode: 'bm25', text: 'vector search', limit: 3 },
        { mode: 'hybrid', vector: v, text: 'vector search', limit: 3 },
        { mode: 'dense', vector: v, limit: 0 },
      ]);
      expect(sent('POST', '/query/batch')).toHaveLength(1);
      expect(results.map((hits) => hits.map((h) => h.id))).toEqual([
        [uuid(0)],
        [],
        [uuid(1)],
        [uuid(2)],
        [],
      ]);
    });

    it('sends nothing when no search has anything to ask', async () => {
      const results = await store().search('s', [{ mode: 'bm25', text: 'the of', limit: 5 }]);
      expect(results).toEqual([[]]);
      expect(await store().search('s', [])).toEqual([]);
      expect(server.requests).toHaveLength(0);
    });

    it('fuses unequal hybrid weights client-side from the dense and BM25 lists', async () => {
      server.use((req) =>
        req.path.endsWith('/query/batch')
          ? ok([
              { points: [scored(1, 0.9), scored(2, 0.8), scored(3, 0.7)] },
              { points: [scored(3, 12), scored(4, 11), scored(2, 10)] },
            ])
          : undefined,
      );
      const v = Float32Array.from({ length: DIMS }, () => 0.25);
      const [hits] = await store().search('s', [
        {
          mode: 'hybrid',
          vector: v,
          text: 'vector search',
          limit: 3,
          weights: { dense: 1, bm25: 3 },
          scoreThreshold: 0.8,
        },
      ]);
      // 3: 1/4 + 3/2 = 1.75; 4: 3/3 = 1; 2: 1/3 + 3/4 = 1.083; 1: 1/2 (below the threshold)
      expect(hits.map((h) => [h.id, Number(h.score.toFixed(3))])).toEqual([
        [uuid(3), 1.75],
        [uuid(2), 1.083],
        [uuid(4), 1],
      ]);
      const [search] = sent('POST', '/query/batch');
      const queries = (search.body as { searches: Array<{ using: string }> }).searches;
      expect(queries.map((q) => q.using)).toEqual(['dense', 'bm25']);
    });

    it('uses the configured ef, oversampling and default weights', async () => {
      const v = Float32Array.from({ length: DIMS }, () => 0.25);
      const s = store({ defaultEf: 96, oversampling: 3, hybridWeights: { dense: 2, bm25: 1 } });
      await s.ensureCollection(spec('s'));
      await s.search('s', [
        { mode: 'dense', vector: v, limit: 5 },
        { mode: 'hybrid', vector: v, text: 'fox', limit: 5 },
        {
          mode: 'hybrid',
          vector: v,
          text: 'fox',
          limit: 5,
          weights: { dense: 1, bm25: 1 },
          ef: 200,
          exact: true,
        },
      ]);
      const searches = (
        sent('POST', '/query/batch')[0].body as { searches: Array<Record<string, unknown>> }
      ).searches;
      expect(searches[0].params).toEqual({
        hnsw_ef: 96,
        exact: false,
        quantization: { rescore: true, oversampling: 3 },
      });
      expect(searches.map((q) => q.using ?? 'fusion')).toEqual([
        'dense',
        'dense',
        'bm25',
        'fusion',
      ]);
      // Exact means float32 throughout: the int8 copies are ignored, not rescored.
      expect((searches[3].prefetch as Array<{ params?: unknown }>)[0].params).toEqual({
        hnsw_ef: 200,
        exact: true,
        quantization: { ignore: true },
      });
    });

    it('never creates a payload index for a search, count or delete filter (issue 14)', async () => {
      const s = store();
      await s.ensureCollection(spec('f'));
      const keys = Array.from({ length: 20 }, (_, i) => `metadata.k${i}`);
      for (const key of keys) {
        const filter = {
          must: [
            { key, match: 'en' },
            { key: 'documentId', match: 'x' },
          ],
        };
        await s.search('f', [{ mode: 'bm25', text: 'fox', limit: 1, filter }]);
        await s.count('f', filter);
        await s.deleteByFilter('f', filter);
      }
      const created = sent('PUT', '/collections/f/index').map(
        (r) => (r.body as { field_name: string }).field_name,
      );
      expect(created).toEqual(['documentId', 'chunkIndex']);
    });

    it('indexes stored metadata keys once, typed by their values, at most 32 per collection', async () => {
      const s = store();
      await s.ensureCollection(spec('cc'));
      const tagged = (n: number, metadata: Record<string, unknown>) => ({ ...point(n), metadata });
      await Promise.all([
        s.upsert('cc', [tagged(1, { lang: 'en', year: 2001, draft: false, ratio: 0.5 })]),
        s.upsert('cc', [tagged(2, { lang: 'de', tags: ['a', 'b'], nested: { x: 1 }, none: null })]),
      ]);
      const created = () =>
        sent('PUT', '/collections/cc/index').map((r) => {
          const body = r.body as { field_name: string; field_schema: string };
          return [body.field_name, body.field_schema, r.query.get('wait')];
        });
      expect(created()).toEqual([
        ['documentId', 'keyword', 'true'],
        ['chunkIndex', 'integer', 'true'],
        ['metadata.lang', 'keyword', 'true'],
        ['metadata.year', 'integer', 'true'],
        ['metadata.draft', 'bool', 'true'],
        ['metadata.ratio', 'float', 'true'],
        ['metadata.tags', 'keyword', 'true'],
      ]);
      const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`m${i}`, i]));
      await s.upsert('cc', [tagged(3, many)]);
      await s.upsert('cc', [tagged(4, { another: 'key' })]);
      const metadataIndexes = created().filter(([field]) => String(field).startsWith('metadata.'));
      expect(metadataIndexes).toHaveLength(32);
    });

    it('refuses filters on keys outside the grammar before sending anything', async () => {
      const s = store();
      await expect(
        s.count('cc', { must: [{ key: 'metadata.__proto__', match: 1 }] }),
      ).rejects.toThrow(/__proto__/);
      await expect(s.count('cc', { must: [{ key: 'text', match: 'x' }] })).rejects.toThrow(
        /not documentId/,
      );
      const filter = { must: [{ key: 'metadata.constructor', match: 1 }] };
      await expect(
        s.search('cc', [{ mode: 'bm25', text: 'fox', limit: 1, filter }]),
      ).rejects.toThrow(/constructor/);
      await expect(s.deleteByFilter('cc', filter)).rejects.toThrow(/constructor/);
      expect(server.requests).toHaveLength(0);
    });

    it('still stores points when creating an index fails', async () => {
      const s = store({ retry: { ...FAST_RETRY, retries: 0 } });
      await s.ensureCollection(spec('g'));
      server.use((req) => (req.path.endsWith('/index') ? error(400, 'index refused') : undefined));
      const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
      const log = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
      try {
        await s.upsert('g', [point(1)]);
        expect(await s.count('g', { must: [{ key: 'metadata.n', match: 1 }] })).toBe(1);
      } finally {
        warn.mockRestore();
        log.mockRestore();
      }
      expect(sent('PUT', '/collections/g/points')).toHaveLength(1);
    });
  });

  describe('bulk-load mode', () => {
    it('turns indexing off and restores the threshold that was configured', async () => {
      const s = store();
      await s.ensureCollection(spec('b'));
      server.collections.get('b')!.indexingThreshold = 15_000;
      await s.setBulkLoad('b', true);
      await s.setBulkLoad('b', true);
      expect(server.collections.get('b')?.indexingThreshold).toBe(0);
      await s.setBulkLoad('b', false);
      expect(server.collections.get('b')?.indexingThreshold).toBe(15_000);
      expect(sent('PATCH', '/collections/b').map((r) => r.body)).toEqual([
        { optimizers_config: { indexing_threshold: 0 } },
        { optimizers_config: { indexing_threshold: 15_000 } },
        { optimizers_config: {} },
      ]);
    });

    it('restores the default 20000 when another process (or a restart) left indexing off', async () => {
      await store().ensureCollection(spec('o'));
      server.collections.get('o')!.indexingThreshold = 0;
      await store().setBulkLoad('o', false);
      expect(server.collections.get('o')?.indexingThreshold).toBe(20_000);
      await store().setBulkLoad('o', false);
      expect(sent('PATCH', '/collections/o')).toHaveLength(2);
    });
  });

  it('reports points and an unindexed estimate from the collection info', async () => {
    const s = store();
    await s.ensureCollection(spec('i'));
    await s.upsert('i', [point(1), point(2), point(3)]);
    expect(await s.info('i')).toEqual({ name: 'i', points: 3, unindexedRows: 3, indexed: false });
  });
});
