import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { v5 as uuidv5 } from 'uuid';
import { cosine } from '../../embedding/unit-vector';
import { matchesFilter, parseFilter } from '../filter';
import type { Filter } from '../filter.types';
import type {
  CollectionSpec,
  SearchHit,
  SearchRequest,
  StoredPoint,
  VectorStore,
} from '../vector-store.port';

/**
 * One behavioural suite for every VectorStore adapter. Each adapter's spec calls
 * describeVectorStoreContract with a factory that opens a fresh store; the suite embeds a small
 * real corpus (test/fixtures/store/corpus.json) with the real USE-lite model, loads it, and
 * checks collections, writes, filters, ranking, batching and concurrent writers.
 *
 * This module has no side effects on import, so child processes can use its helpers.
 */

export interface ContractStore {
  store: VectorStore;
  cleanup: () => Promise<void>;
  /**
   * How a child process opens the same store (same data directory or server): a module
   * exporting `factoryExport(options) => Promise<VectorStore>`. Without it the
   * concurrent-writer test is skipped.
   */
  childFactory?: { modulePath: string; factoryExport: string; options: unknown };
}

export interface ContractOptions {
  /** When set, the whole suite is reported as skipped with this reason. */
  skip?: string;
  /** Collection name prefix, so suites sharing one server do not collide. */
  collectionPrefix?: string;
}

const CONTRACT_NAMESPACE = '6f1c2a7e-3b4d-5e6f-8a9b-0c1d2e3f4a5b';
const REPO_ROOT = resolve(__dirname, '..', '..', '..');
const CORPUS_PATH = join(REPO_ROOT, 'test', 'fixtures', 'store', 'corpus.json');
const WRITER_SCRIPT = join(REPO_ROOT, 'test', 'fixtures', 'store', 'concurrent-writer.ts');
const TS_REGISTER = join(REPO_ROOT, 'test', 'support', 'ts-register.js');
const EMBEDDING_DIMENSIONS = 512;
const SMALL_DIMENSIONS = 8;

/** Point ids are UUIDv5 of (collection, document, chunk), as the port prescribes. */
export function contractPointId(
  collection: string,
  documentId: string,
  chunkIndex: number,
): string {
  return uuidv5(`${collection}/${documentId}/${chunkIndex}`, CONTRACT_NAMESPACE);
}

/** A deterministic unit vector from a seed string (SHA-256 counter stream). */
export function contractUnitVector(dimensions: number, seed: string): Float32Array {
  const vector = new Float32Array(dimensions);
  let filled = 0;
  for (let block = 0; filled < dimensions; block++) {
    const digest = createHash('sha256').update(`${seed}#${block}`).digest();
    for (let i = 0; i + 1 < digest.length && filled < dimensions; i += 2) {
      vector[filled++] = digest.readUInt16LE(i) / 32768 - 1;
    }
  }
  let norm = 0;
  for (const x of vector) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < dimensions; i++) vector[i] /= norm;
  return vector;
}

interface CorpusChunk {
  documentId: string;
  chunkIndex: number;
  topic: string;
  year: number;
  rating: number;
  draft: boolean;
  tags: string[];
  source: string;
  text: string;
}

interface EmbeddedCorpus {
  chunks: CorpusChunk[];
  vectors: Float32Array[];
  queries: Map<string, Float32Array>;
}

/** Queries whose meaning points at one topic (none shares distinctive words with its topic). */
const TOPIC_QUERIES: { query: string; topic: string }[] = [
  { query: 'how do I make homemade bread rise and get a crunchy crust', topic: 'baking' },
  { query: 'which planets and moons are in our solar system', topic: 'astronomy' },
  { query: 'steering a yacht against the breeze at sea', topic: 'sailing' },
  { query: 'looking after plants and flowers in the back yard', topic: 'gardening' },
  { query: 'making SQL lookups faster on big tables', topic: 'databases' },
  { query: 'staying healthy: blood pressure, cardio fitness and rest', topic: 'health' },
];

let corpusPromise: Promise<EmbeddedCorpus> | null = null;

/** Embeds the corpus and queries once per test file, with the real model. */
function embeddedCorpus(extraQueries: string[]): Promise<EmbeddedCorpus> {
  corpusPromise ??= (async () => {
    const parsed = JSON.parse(readFileSync(CORPUS_PATH, 'utf8')) as { chunks: CorpusChunk[] };
    const { loadUseLiteModel } = await import('../../embedding/use-lite-model');
    const model = await loadUseLiteModel();
    const queryTexts = [...TOPIC_QUERIES.map((q) => q.query), ...extraQueries];
    const raw = await model.embed([...parsed.chunks.map((c) => c.text), ...queryTexts]);
    const vectors = raw.map((v) => Float32Array.from(v));
    const queries = new Map<string, Float32Array>();
    queryTexts.forEach((q, i) => queries.set(q, vectors[parsed.chunks.length + i]));
    return { chunks: parsed.chunks, vectors: vectors.slice(0, parsed.chunks.length), queries };
  })();
  return corpusPromise;
}

function corpusPoint(collection: string, chunk: CorpusChunk, vector: Float32Array): StoredPoint {
  return {
    id: contractPointId(collection, chunk.documentId, chunk.chunkIndex),
    vector,
    documentId: chunk.documentId,
    chunkIndex: chunk.chunkIndex,
    text: chunk.text,
    contentHash: createHash('sha256').update(chunk.text).digest('hex'),
    headingPath: [chunk.topic, chunk.documentId],
    start: chunk.chunkIndex * 1000,
    end: chunk.chunkIndex * 1000 + chunk.text.length,
    metadata: {
      topic: chunk.topic,
      year: chunk.year,
      rating: chunk.rating,
      draft: chunk.draft,
      tags: chunk.tags,
      source: { kind: chunk.source },
    },
  };
}

function spec(name: string, dimensions: number, hybrid = true): CollectionSpec {
  return {
    name,
    dimensions,
    distance: 'cosine',
    hnsw: { m: 16, efConstruct: 128 },
    quantization: 'int8',
    hybrid,
  };
}

function syntheticPoints(
  collection: string,
  documentId: string,
  count: number,
  tag = 'v1',
): StoredPoint[] {
  return Array.from({ length: count }, (_, i) => ({
    id: contractPointId(collection, documentId, i),
    vector: contractUnitVector(SMALL_DIMENSIONS, `${documentId}/${i}/${tag}`),
    documentId,
    chunkIndex: i,
    text: `${documentId} chunk ${i} ${tag}`,
    contentHash: createHash('sha256').update(`${documentId}/${i}/${tag}`).digest('hex'),
    headingPath: ['Synthetic', documentId],
    start: i * 100,
    end: i * 100 + 99,
    metadata: { documentId, parity: i % 2 === 0 ? 'even' : 'odd', i },
  }));
}

async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function runWriter(job: Record<string, unknown>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(
      process.execPath,
      ['--require', TS_REGISTER, WRITER_SCRIPT, JSON.stringify(job)],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolveRun({ code, output }));
  });
}

const ids = (hits: SearchHit[]): string[] => hits.map((h) => h.id);

export function describeVectorStoreContract(
  name: string,
  factory: () => Promise<ContractStore>,
  opts: ContractOptions = {},
): void {
  if (typeof opts.skip === 'string') {
    describe.skip(`VectorStore contract: ${name} (skipped: ${opts.skip})`, () => {
      it(`is skipped: ${opts.skip}`, () => undefined);
    });
    return;
  }

  const prefix = opts.collectionPrefix ?? 'contract';
  const corpusName = `${prefix}-corpus`;
  const lexicalQueries = {
    // Words that occur together in exactly one chunk (the bowline chunk).
    bowline: 'bowline mooring loop',
    // One rare word; stemming must map "kneaded" onto "kneading".
    kneaded: 'kneaded',
    // Hybrid: lexical match on "tides" + meaning of the sea.
    hybrid: 'tides harbour depth before entering port',
  };

  describe(`VectorStore contract: ${name}`, () => {
    let handle: ContractStore;
    let store: VectorStore;
    let corpus: EmbeddedCorpus;
    let corpusPoints: StoredPoint[];

    const queryVector = (text: string): Float32Array => {
      const v = corpus.queries.get(text);
      if (!v) throw new Error(`query not embedded: ${text}`);
      return v;
    };
    const topicOf = (id: string): string | undefined =>
      corpusPoints.find((p) => p.id === id)?.metadata.topic as string | undefined;

    beforeAll(async () => {
      corpus = await embeddedCorpus(Object.values(lexicalQueries));
      handle = await factory();
      store = handle.store;
      corpusPoints = corpus.chunks.map((c, i) => corpusPoint(corpusName, c, corpus.vectors[i]));
      await store.ensureCollection(spec(corpusName, EMBEDDING_DIMENSIONS));
      // Two batches, as ingest would write them; then the maintenance the monitor schedules.
      await store.upsert(corpusName, corpusPoints.slice(0, 20));
      await store.upsert(corpusName, corpusPoints.slice(20));
      await store.optimize(corpusName);
    });

    afterAll(async () => {
      await handle?.cleanup();
    });

    describe('collections', () => {
      it('ensureCollection is idempotent, and drop removes the collection', async () => {
        const c = `${prefix}-coll`;
        await store.ensureCollection(spec(c, SMALL_DIMENSIONS));
        await store.ensureCollection(spec(c, SMALL_DIMENSIONS));
        expect(await store.collectionExists(c)).toBe(true);
        expect(await store.info(c)).toMatchObject({ name: c, points: 0 });
        await store.dropCollection(c);
        expect(await store.collectionExists(c)).toBe(false);
        expect(await store.info(c)).toBeNull();
        await expect(store.dropCollection(c)).resolves.toBeUndefined();
      });

      it('accepts store names with dots, as re-embedding names its new collections', async () => {
        const c = `${prefix}-coll.r1a2b`;
        await store.ensureCollection(spec(c, SMALL_DIMENSIONS));
        await store.upsert(c, syntheticPoints(c, 'doc-dot', 2));
        expect(await store.count(c)).toBe(2);
        expect(await store.collectionExists(`${prefix}-coll`)).toBe(false);
        await store.dropCollection(c);
        expect(await store.collectionExists(c)).toBe(false);
      });

      it('refuses to ensure an existing collection with other settings', async () => {
        const c = `${prefix}-conflict`;
        await store.ensureCollection(spec(c, SMALL_DIMENSIONS));
        await expect(store.ensureCollection(spec(c, SMALL_DIMENSIONS * 2))).rejects.toThrow(
          /dimensions/,
        );
        await store.dropCollection(c);
      });
    });

    describe('writes', () => {
      const c = `${prefix}-writes`;
      beforeEach(async () => {
        await store.dropCollection(c);
        await store.ensureCollection(spec(c, SMALL_DIMENSIONS));
      });
      afterAll(async () => {
        await store.dropCollection(c);
      });

      it('upserting an existing id overwrites its text, vector and hash', async () => {
        const [first] = syntheticPoints(c, 'doc-a', 1, 'original');
        await store.upsert(c, [first]);
        const replacement: StoredPoint = {
          ...first,
          text: 'replacement zeppelin text',
          vector: contractUnitVector(SMALL_DIMENSIONS, 'replacement'),
          contentHash: 'f'.repeat(64),
        };
        await store.upsert(c, [replacement]);
        expect(await store.count(c)).toBe(1);
        expect(await store.listDocumentChunks(c, 'doc-a')).toEqual([
          { id: first.id, chunkIndex: 0, contentHash: 'f'.repeat(64) },
        ]);
        const [bm25New, bm25Old, dense] = await store.search(c, [
          { mode: 'bm25', text: 'zeppelin', limit: 5 },
          { mode: 'bm25', text: 'original', limit: 5 },
          { mode: 'dense', vector: replacement.vector, limit: 1 },
        ]);
        expect(ids(bm25New)).toEqual([first.id]);
        expect(bm25New[0].text).toBe('replacement zeppelin text');
        expect(bm25Old).toEqual([]);
        expect(dense[0].score).toBeCloseTo(1, 4);
      });

      it('repeated upserts of the same points are idempotent', async () => {
        const points = syntheticPoints(c, 'doc-b', 12);
        const request: SearchRequest = { mode: 'dense', vector: points[3].vector, limit: 5 };
        await store.upsert(c, points);
        const [before] = await store.search(c, [request]);
        await store.upsert(c, points);
        await store.upsert(c, points);
        expect(await store.count(c)).toBe(12);
        const [after] = await store.search(c, [request]);
        expect(ids(after)).toEqual(ids(before));
        expect(after[0]).toMatchObject({ id: points[3].id, documentId: 'doc-b', chunkIndex: 3 });
        expect(after[0].headingPath).toEqual(['Synthetic', 'doc-b']);
        expect(after[0].metadata).toEqual({ documentId: 'doc-b', parity: 'odd', i: 3 });
      });

      it('deleteByIds removes exactly those ids and ignores unknown ones', async () => {
        const points = syntheticPoints(c, 'doc-c', 10);
        await store.upsert(c, points);
        const gone = [points[1].id, points[4].id, contractPointId(c, 'nope', 0)];
        await store.deleteByIds(c, gone);
        expect(await store.count(c)).toBe(8);
        const left = (await store.listDocumentChunks(c, 'doc-c')).map((r) => r.chunkIndex);
        expect(left).toEqual([0, 2, 3, 5, 6, 7, 8, 9]);
        await expect(store.deleteByIds(c, [])).resolves.toBeUndefined();
      });

      it('deleteByFilter removes exactly the matching points', async () => {
        await store.upsert(c, [
          ...syntheticPoints(c, 'doc-d', 6),
          ...syntheticPoints(c, 'doc-e', 4),
        ]);
        await store.deleteByFilter(c, {
          must: [
            { key: 'documentId', match: 'doc-d' },
            { key: 'metadata.parity', match: 'even' },
          ],
        });
        expect((await store.listDocumentChunks(c, 'doc-d')).map((r) => r.chunkIndex)).toEqual([
          1, 3, 5,
        ]);
        expect(await store.count(c, { must: [{ key: 'documentId', match: 'doc-e' }] })).toBe(4);
        await store.deleteByFilter(c, { must: [{ key: 'documentId', match: "doc-e' OR 1=1 --" }] });
        expect(await store.count(c)).toBe(7);
      });

      it('listDocumentChunks returns refs by chunk index, and nothing for unknown documents', async () => {
        const points = syntheticPoints(c, 'doc-f', 5);
        await store.upsert(c, [...points].reverse());
        const refs = await store.listDocumentChunks(c, 'doc-f');
        expect(refs).toEqual(
          points.map((p) => ({ id: p.id, chunkIndex: p.chunkIndex, contentHash: p.contentHash })),
        );
        expect(await store.listDocumentChunks(c, 'doc-unknown')).toEqual([]);
      });
      it('listDocumentPoints returns whole chunks (all but the vector) by chunk index', async () => {
        const points = syntheticPoints(c, 'doc-g', 4);
        points[2].metadata = { nested: { deep: [1, 'two'] }, flag: true };
        points[3].headingPath = [];
        await store.upsert(c, [...points, ...syntheticPoints(c, 'doc-h', 2)].reverse());
        const chunks = await store.listDocumentPoints(c, 'doc-g');
        expect(chunks).toEqual(points.map(({ vector: _vector, ...chunk }) => chunk));
        expect(await store.listDocumentPoints(c, 'doc-unknown')).toEqual([]);
      });

      it('listDocumentPoints reads every chunk of a document larger than one page', async () => {
        const points = syntheticPoints(c, 'doc-big', 1203);
        await store.upsert(c, points);
        const chunks = await store.listDocumentPoints(c, 'doc-big');
        expect(chunks.map((p) => p.chunkIndex)).toEqual(points.map((p) => p.chunkIndex));
        expect(chunks[1202]).toMatchObject({ id: points[1202].id, text: points[1202].text });
      });
    });

    describe('filters', () => {
      const filterCases: [string, unknown][] = [
        ['match a string', { must: [{ key: 'metadata.topic', match: 'sailing' }] }],
        ['match a number', { must: [{ key: 'metadata.year', match: 2019 }] }],
        ['match a decimal', { must: [{ key: 'metadata.rating', match: 4.5 }] }],
        ['match a boolean', { must: [{ key: 'metadata.draft', match: true }] }],
        ['match inside an array', { must: [{ key: 'metadata.tags', match: 'oven' }] }],
        ['match a nested key', { must: [{ key: 'metadata.source.kind', match: 'book' }] }],
        ['match any', { must: [{ key: 'metadata.topic', match: { any: ['health', 'baking'] } }] }],
        ['match documentId', { must: [{ key: 'documentId', match: 'health-sleep' }] }],
        ['match any chunkIndex', { must: [{ key: 'chunkIndex', match: { any: [0, 2] } }] }],
        ['range gt', { must: [{ key: 'metadata.year', range: { gt: 2020 } }] }],
        ['range gte', { must: [{ key: 'metadata.year', range: { gte: 2021 } }] }],
        ['range lt', { must: [{ key: 'metadata.rating', range: { lt: 4 } }] }],
        ['range lte + gte', { must: [{ key: 'metadata.rating', range: { gte: 4.1, lte: 4.5 } }] }],
        ['range on chunkIndex', { must: [{ key: 'chunkIndex', range: { gt: 0 } }] }],
        [
          'should',
          {
            should: [
              { key: 'metadata.topic', match: 'astronomy' },
              { key: 'metadata.year', range: { gte: 2024 } },
            ],
          },
        ],
        ['mustNot', { mustNot: [{ key: 'metadata.topic', match: { any: ['baking', 'health'] } }] }],
        [
          'mustNot on a missing key keeps everything',
          { mustNot: [{ key: 'metadata.absent', match: 1 }] },
        ],
        [
          'nested',
          {
            must: [{ key: 'metadata.source.kind', match: 'web' }],
            should: [
              {
                must: [
                  { key: 'metadata.topic', match: 'databases' },
                  { key: 'chunkIndex', match: 2 },
                ],
              },
              { mustNot: [{ key: 'metadata.year', range: { lt: 2022 } }] },
            ],
            mustNot: [{ key: 'metadata.draft', match: true }],
          },
        ],
        ['strict types: "2019" is not 2019', { must: [{ key: 'metadata.year', match: '2019' }] }],
        [
          'hostile string matches nothing',
          { must: [{ key: 'metadata.topic', match: "x' OR 1=1 --" }] },
        ],
        [
          'hostile documentId matches nothing',
          { must: [{ key: 'documentId', match: "' OR ''='" }] },
        ],
        [
          'hostile value inside any matches only the legitimate value',
          {
            must: [{ key: 'metadata.topic', match: { any: ["sailing') OR TRUE --", 'sailing'] } }],
          },
        ],
      ];

      it.each(filterCases)(
        '%s: count and search select exactly the matching points',
        async (_label, input) => {
          const filter: Filter = parseFilter(input);
          const expected = corpusPoints
            .filter((p) => matchesFilter(filter, p))
            .map((p) => p.id)
            .sort();
          expect(await store.count(corpusName, filter)).toBe(expected.length);
          const [hits] = await store.search(corpusName, [
            { mode: 'dense', vector: corpusPoints[0].vector, limit: 100, filter },
          ]);
          expect(ids(hits).sort()).toEqual(expected);
        },
      );

      it('the hostile cases really are selective (sanity check of the table above)', () => {
        const hostile = parseFilter({ must: [{ key: 'metadata.topic', match: "x' OR 1=1 --" }] });
        expect(corpusPoints.filter((p) => matchesFilter(hostile, p))).toEqual([]);
      });

      it('counts all points without a filter', async () => {
        expect(await store.count(corpusName)).toBe(corpusPoints.length);
        expect(await store.count(corpusName, {})).toBe(corpusPoints.length);
      });

      it('filters before ranking: a filtered search still fills its limit', async () => {
        const [hits] = await store.search(corpusName, [
          {
            mode: 'dense',
            vector: queryVector(TOPIC_QUERIES[0].query),
            limit: 5,
            filter: { must: [{ key: 'metadata.topic', match: 'sailing' }] },
          },
        ]);
        expect(hits).toHaveLength(5);
        expect(hits.every((h) => h.metadata.topic === 'sailing')).toBe(true);
        const sailing = { must: [{ key: 'metadata.topic', match: 'sailing' }] };
        const [unfiltered, filtered] = await store.search(corpusName, [
          { mode: 'bm25', text: 'water', limit: 10 },
          { mode: 'bm25', text: 'water', limit: 10, filter: sailing },
        ]);
        expect(unfiltered.some((h) => h.metadata.topic !== 'sailing')).toBe(true);
        expect(filtered.length).toBeGreaterThanOrEqual(2);
        expect(filtered.every((h) => h.metadata.topic === 'sailing')).toBe(true);
      });

      it('rejects a malformed filter instead of ignoring it', async () => {
        const bad = { must: [{ key: 'metadata.__proto__', match: 1 }] } as unknown as Filter;
        await expect(store.count(corpusName, bad)).rejects.toThrow(/__proto__/);
      });
    });

    describe('ranking', () => {
      it.each(TOPIC_QUERIES)('dense: "$query" ranks $topic first', async ({ query, topic }) => {
        const [hits] = await store.search(corpusName, [
          { mode: 'dense', vector: queryVector(query), limit: 3 },
        ]);
        expect(hits.map((h) => topicOf(h.id))).toEqual([topic, topic, topic]);
        for (let i = 1; i < hits.length; i++)
          expect(hits[i - 1].score).toBeGreaterThanOrEqual(hits[i].score);
        expect(hits[0].score).toBeGreaterThan(0);
        expect(hits[0].score).toBeLessThanOrEqual(1.0001);
      });

      it('bm25: exact terms find the chunk that contains them, with stemming', async () => {
        const [bowline, kneaded, none] = await store.search(corpusName, [
          { mode: 'bm25', text: lexicalQueries.bowline, limit: 3 },
          { mode: 'bm25', text: lexicalQueries.kneaded, limit: 3 },
          { mode: 'bm25', text: 'xylophone quasar', limit: 3 },
        ]);
        expect(bowline[0]).toMatchObject({ documentId: 'sailing-basics', chunkIndex: 1 });
        expect(kneaded[0]).toMatchObject({ documentId: 'baking-sourdough', chunkIndex: 1 });
        expect(none).toEqual([]);
        for (let i = 1; i < bowline.length; i++)
          expect(bowline[i - 1].score).toBeGreaterThanOrEqual(bowline[i].score);
      });

      it('hybrid: fuses both lists; each weight alone reproduces its own list', async () => {
        const text = lexicalQueries.hybrid;
        const vector = queryVector(text);
        const [hybrid, dense, bm25, denseOnly, bm25Only] = await store.search(corpusName, [
          { mode: 'hybrid', text, vector, limit: 5 },
          { mode: 'dense', vector, limit: 5 },
          { mode: 'bm25', text, limit: 5 },
          { mode: 'hybrid', text, vector, limit: 5, weights: { dense: 1, bm25: 0 } },
          { mode: 'hybrid', text, vector, limit: 5, weights: { dense: 0, bm25: 1 } },
        ]);
        expect(hybrid[0]).toMatchObject({ documentId: 'sailing-navigation', chunkIndex: 0 });
        expect(new Set(ids(hybrid)).size).toBe(hybrid.length);
        for (const hit of hybrid) expect([...ids(dense), ...ids(bm25)]).toContain(hit.id);
        expect(ids(denseOnly)).toEqual(ids(dense));
        expect(ids(bm25Only)).toEqual(ids(bm25));
        for (let i = 1; i < hybrid.length; i++)
          expect(hybrid[i - 1].score).toBeGreaterThanOrEqual(hybrid[i].score);
      });

      it('exact search agrees with the default search on this small corpus', async () => {
        const vector = queryVector(TOPIC_QUERIES[4].query);
        const [approx, exact] = await store.search(corpusName, [
          { mode: 'dense', vector, limit: 5 },
          { mode: 'dense', vector, limit: 5, exact: true, ef: 16 },
        ]);
        expect(ids(exact)).toEqual(ids(approx));
      });

      it('a batch returns the same results as the same searches one by one', async () => {
        const requests: SearchRequest[] = [
          { mode: 'dense', vector: queryVector(TOPIC_QUERIES[1].query), limit: 4 },
          { mode: 'bm25', text: lexicalQueries.bowline, limit: 4 },
          {
            mode: 'hybrid',
            text: lexicalQueries.hybrid,
            vector: queryVector(lexicalQueries.hybrid),
            limit: 4,
          },
          {
            mode: 'dense',
            vector: queryVector(TOPIC_QUERIES[2].query),
            limit: 4,
            filter: { mustNot: [{ key: 'metadata.topic', match: 'sailing' }] },
          },
        ];
        const batch = await store.search(corpusName, requests);
        expect(batch).toHaveLength(requests.length);
        for (let i = 0; i < requests.length; i++) {
          const [single] = await store.search(corpusName, [requests[i]]);
          expect(ids(batch[i])).toEqual(ids(single));
          batch[i].forEach((hit, j) => expect(hit.score).toBeCloseTo(single[j].score, 5));
        }
        expect(await store.search(corpusName, [])).toEqual([]);
      });

      it('honours limit and scoreThreshold', async () => {
        const vector = queryVector(TOPIC_QUERIES[3].query);
        const [three, all] = await store.search(corpusName, [
          { mode: 'dense', vector, limit: 3 },
          { mode: 'dense', vector, limit: 100 },
        ]);
        expect(three).toHaveLength(3);
        expect(all).toHaveLength(corpusPoints.length);
        const threshold = all[5].score;
        const [above, none] = await store.search(corpusName, [
          { mode: 'dense', vector, limit: 100, scoreThreshold: threshold },
          { mode: 'dense', vector, limit: 100, scoreThreshold: 1.5 },
        ]);
        expect(above.length).toBeGreaterThanOrEqual(6);
        expect(above.length).toBeLessThan(all.length);
        expect(above.every((h) => h.score >= threshold)).toBe(true);
        expect(ids(above)).toEqual(ids(all).slice(0, above.length));
        expect(none).toEqual([]);
      });

      it('returns the payload a caller needs with each hit', async () => {
        const [[hit]] = await store.search(corpusName, [
          { mode: 'dense', vector: corpusPoints[7].vector, limit: 1 },
        ]);
        const point = corpusPoints[7];
        expect(hit).toMatchObject({
          id: point.id,
          documentId: point.documentId,
          chunkIndex: point.chunkIndex,
          text: point.text,
          headingPath: point.headingPath,
          metadata: point.metadata,
        });
      });
    });

    describe('tuning support', () => {
      it('sampleVectors returns distinct stored points with their stored vectors', async () => {
        const sample = await store.sampleVectors(corpusName, 10);
        expect(sample).toHaveLength(10);
        expect(new Set(sample.map((p) => p.id)).size).toBe(10);
        for (const sampled of sample) {
          const stored = corpusPoints.find((p) => p.id === sampled.id);
          expect(stored).toBeDefined();
          expect(sampled.vector).toBeInstanceOf(Float32Array);
          expect(sampled.vector).toHaveLength(EMBEDDING_DIMENSIONS);
          // Qdrant keeps cosine vectors normalised; the direction is what must survive.
          expect(cosine(sampled.vector, (stored as StoredPoint).vector)).toBeCloseTo(1, 5);
        }
      });

      it('sampleVectors draws from the whole collection, and gives all of a small one', async () => {
        const half = Math.floor(corpusPoints.length / 2);
        const seen = new Set<string>();
        for (let round = 0; round < 6; round++) {
          for (const p of await store.sampleVectors(corpusName, half)) seen.add(p.id);
        }
        // Six fixed "first half" answers would cover exactly half; random draws cover more.
        expect(seen.size).toBeGreaterThan(half);
        const all = await store.sampleVectors(corpusName, corpusPoints.length + 50);
        expect(new Set(all.map((p) => p.id))).toEqual(new Set(corpusPoints.map((p) => p.id)));
        await expect(store.sampleVectors(corpusName, 0)).rejects.toThrow(/sample count/);
        const empty = `${prefix}-empty-sample`;
        await store.ensureCollection(spec(empty, SMALL_DIMENSIONS));
        expect(await store.sampleVectors(empty, 5)).toEqual([]);
        await store.dropCollection(empty);
      });

      it('searches an int8 collection in every quantized mode it lists; exact is the truth', async () => {
        const query = corpusPoints[11];
        const modes = store.quantizedSearchModes;
        expect(modes).toContain('rescore');
        expect(modes).toContain('raw');
        const [exact, ...byMode] = await store.search(corpusName, [
          { mode: 'dense', vector: query.vector, limit: 5, exact: true },
          ...modes.map((quantization): SearchRequest => ({
            mode: 'dense',
            vector: query.vector,
            limit: 5,
            ef: 32,
            quantization,
          })),
        ]);
        expect(exact[0].id).toBe(query.id);
        expect(exact[0].score).toBeCloseTo(1, 4);
        for (const hits of byMode) {
          expect(hits).toHaveLength(5);
          expect(hits[0].id).toBe(query.id);
        }
        const unsupported = (['rescore', 'raw', 'ignore'] as const).filter(
          (m) => !modes.includes(m),
        );
        for (const quantization of unsupported) {
          await expect(
            store.search(corpusName, [
              { mode: 'dense', vector: query.vector, limit: 5, quantization },
            ]),
          ).rejects.toThrow(/quantization/);
        }
      });
    });

    describe('concurrency', () => {
      it('two OS processes writing disjoint ids at once lose nothing', async () => {
        if (!handle.childFactory) {
          console.warn(`${name}: no childFactory, concurrent-writer test not run`);
          return;
        }
        const c = `${prefix}-concurrent`;
        await store.dropCollection(c);
        await store.ensureCollection(spec(c, SMALL_DIMENSIONS, false));
        const job = (idPrefix: string) => ({
          ...handle.childFactory,
          collection: c,
          idPrefix,
          count: 150,
          batch: 15,
          dimensions: SMALL_DIMENSIONS,
        });
        const results = await Promise.all([runWriter(job('alpha')), runWriter(job('beta'))]);
        for (const r of results)
          expect({ code: r.code, output: r.output }).toMatchObject({ code: 0 });
        const complete = await eventually(async () => (await store.count(c)) === 300, 10_000);
        expect(complete ? 300 : await store.count(c)).toBe(300);
        for (const writer of ['alpha', 'beta']) {
          expect(await store.count(c, { must: [{ key: 'metadata.writer', match: writer }] })).toBe(
            150,
          );
          const refs = await store.listDocumentChunks(c, `${writer}-doc-7`);
          expect(refs.map((r) => r.chunkIndex)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        }
        await store.dropCollection(c);
      }, 60_000);
    });
  });
}
