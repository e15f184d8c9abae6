import { ServingIndexes } from '../src/serving/serving-indexes.service';
import { fastifyDocs } from './support/corpus';
import {
  dropPrefix,
  http,
  RunningApp,
  startApp,
  tempDataDir,
  uniquePrefix,
  waitForJobs,
} from './support/app-harness';
import { rmSync } from 'node:fs';

interface Hit {
  id: string;
  documentId: string;
  chunkIndex: number;
  score: number;
  text: string;
  metadata: Record<string, unknown>;
  highlights?: Array<[number, number]>;
  chunks?: Hit[];
}
interface SearchBody {
  hits: Hit[];
  version: number;
  error?: { message: string };
}
interface JobsBody {
  jobs: { id: string }[];
}

/**
 * The search core through real HTTP: searches answered from each worker's in-memory indexes
 * (loaded from LanceDB, kept current through the change feed), grouped by document with
 * pagination, fresh in every worker process after a write, the same after a restart, and
 * the same under filters as the store's own search.
 */
describe('search core: in-memory serving, grouping, freshness (real model, Redis, LanceDB)', () => {
  const prefix = uniquePrefix('core');
  const dataDir = tempDataDir('core');
  let first: RunningApp;
  let second: RunningApp;
  const shared = { RAGLINE_QUEUE_PREFIX: prefix, RAGLINE_DATA_DIR: dataDir };

  const search = (app: RunningApp, body: Record<string, unknown>) =>
    http<SearchBody>(app.url, 'POST', '/v1/collections/core/search', body);

  async function ingest(app: RunningApp, documents: unknown[]): Promise<void> {
    const res = await http<JobsBody>(app.url, 'POST', '/v1/collections/core/documents', {
      documents,
    });
    expect(res.status).toBe(202);
    const views = await waitForJobs(
      app.url,
      res.body.jobs.map((j) => j.id),
    );
    expect(views.every((v) => v.state === 'completed')).toBe(true);
  }

  async function served(app: RunningApp): Promise<number> {
    const indexes = app.app.get(ServingIndexes);
    const index = await indexes.load('core', 'core');
    return index?.size ?? 0;
  }

  beforeAll(async () => {
    first = await startApp({ ...shared, RAGLINE_ROLE: 'all' });
    second = await startApp({ ...shared, RAGLINE_ROLE: 'all' });
    expect((await http(first.url, 'PUT', '/v1/collections/core', {})).status).toBe(201);
    await ingest(first, [
      ...fastifyDocs().map((d, i) => ({ ...d, metadata: { source: 'fastify', rank: i } })),
      {
        id: 'kitchen/bread.txt',
        text: 'To bake sourdough bread, feed the starter, mix flour and water, let the dough rise overnight.',
        metadata: { source: 'kitchen', rank: 9 },
      },
    ]);
  }, 300_000);

  afterAll(async () => {
    await second?.close({ keepData: true });
    await first?.close({ keepData: true });
    await dropPrefix(prefix);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loads every stored chunk into each worker process and answers from memory', async () => {
    const chunks = Number(
      (await http<{ chunks: number }>(first.url, 'GET', '/v1/collections/core')).body.chunks,
    );
    expect(chunks).toBeGreaterThan(20);
    expect(await served(first)).toBe(chunks);
    expect(await served(second)).toBe(chunks);
    const stats = first.app.get(ServingIndexes).stats();
    expect(stats[0].bytes / stats[0].chunks).toBeGreaterThan(500);
  });

  it('groups by document: one entry per document, best chunks with highlights, pages that never repeat a document', async () => {
    const query = 'hooks run in the request lifecycle before the handler';
    const seen: string[] = [];
    for (let offset = 0; offset < 5; offset += 2) {
      const page = await search(first, { query, groupBy: 'document', limit: 2, offset });
      expect(page.status).toBe(200);
      for (const hit of page.body.hits) {
        expect(hit.chunks?.length).toBeGreaterThan(0);
        expect(hit.chunks?.every((c) => c.documentId === hit.documentId)).toBe(true);
        expect(hit.chunks?.[0].id).toBe(hit.id);
      }
      seen.push(...page.body.hits.map((h) => h.documentId));
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(5);
    const whole = await search(first, { query, groupBy: 'document', limit: 5 });
    expect(whole.body.hits.map((h) => h.documentId)).toEqual(seen);
    const top = whole.body.hits[0];
    const marked = (top.highlights ?? []).map(([s, e]) => top.text.slice(s, e).toLowerCase());
    expect(marked.some((w) => w.startsWith('hook') || w.startsWith('request'))).toBe(true);
  });

  it('ranks documents as whole-document BM25 does, and a flat list keeps that order', async () => {
    const query = 'middleware express compatibility';
    const grouped = await search(first, { query, mode: 'bm25', groupBy: 'document', limit: 5 });
    const flat = await search(first, { query, mode: 'bm25', limit: 50 });
    const firstSeen = [...new Set(flat.body.hits.map((h) => h.documentId))].slice(0, 5);
    expect(firstSeen).toEqual(grouped.body.hits.map((h) => h.documentId));
    expect(grouped.body.hits[0].documentId).toBe('reference/Middleware.md');
  });

  it('after a write completes, every worker process answers with it', async () => {
    await ingest(second, [
      {
        id: 'kitchen/pizza.txt',
        text: 'Neapolitan pizza dough rests for a day before it is stretched and baked in a wood oven.',
        metadata: { source: 'kitchen', rank: 10 },
      },
    ]);
    // Distinct queries (no cache), many of them, so both workers take some.
    for (let i = 0; i < 12; i++) {
      const res = await search(i % 2 ? first : second, {
        query: `neapolitan pizza dough baked in a wood oven ${i}`,
        mode: 'bm25',
        limit: 3,
      });
      expect(res.body.hits[0]?.documentId).toBe('kitchen/pizza.txt');
    }
    const deleted = await http<JobsBody>(
      first.url,
      'DELETE',
      '/v1/collections/core/documents/kitchen%2Fpizza.txt',
    );
    await waitForJobs(
      first.url,
      deleted.body.jobs.map((j) => j.id),
    );
    for (let i = 0; i < 12; i++) {
      const res = await search(i % 2 ? first : second, {
        query: `neapolitan pizza dough wood oven again ${i}`,
        mode: 'bm25',
        limit: 3,
      });
      expect(res.body.hits.map((h) => h.documentId)).not.toContain('kitchen/pizza.txt');
    }
  });

  it('applies filters exactly as the store does', async () => {
    const filters = [
      { must: [{ key: 'metadata.source', match: 'fastify' }] },
      { must: [{ key: 'metadata.rank', range: { gte: 1, lt: 3 } }] },
      { mustNot: [{ key: 'metadata.source', match: { any: ['kitchen', 'x'] } }] },
      {
        should: [
          { key: 'documentId', match: 'kitchen/bread.txt' },
          { key: 'metadata.rank', match: 0 },
        ],
      },
    ];
    const docs = (r: { body: SearchBody }) =>
      [...new Set(r.body.hits.map((h) => h.documentId))].sort();
    for (const filter of filters) {
      for (const mode of ['dense', 'bm25']) {
        const body = { query: 'how do plugins and hooks work', mode, filter, limit: 100 };
        const fromMemory = await search(first, body);
        // An exact search always goes to the store (LanceDB's own SQL filter).
        const fromStore = await search(first, { ...body, params: { exact: true } });
        expect(fromMemory.status).toBe(200);
        expect({ filter, mode, docs: docs(fromMemory) }).toEqual({
          filter,
          mode,
          docs: docs(fromStore),
        });
      }
    }
  });

  it('answers the same after a worker restarts on the existing collection', async () => {
    const body = { query: 'http2 server push and secure connections', limit: 10 };
    const before = await search(first, body);
    await first.close({ keepData: true });
    first = await startApp({ ...shared, RAGLINE_ROLE: 'all' });
    await served(first);
    await second.close({ keepData: true });
    second = await startApp({ ...shared, RAGLINE_ROLE: 'api' });
    // Another limit: a cached answer would prove nothing.
    const after = await search(second, { ...body, limit: 11 });
    expect(after.body.hits.slice(0, 10).map((h) => [h.id, h.score.toFixed(4)])).toEqual(
      before.body.hits.map((h) => [h.id, h.score.toFixed(4)]),
    );
  });

  it('answers bad grouping and paging with 400 and a reason', async () => {
    const unknown = await search(first, { query: 'x', groupBy: 'chunk' });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toMatch(/groupBy.*must be 'document'/);
    const negative = await search(first, { query: 'x', offset: -1 });
    expect(negative.status).toBe(400);
    expect(JSON.stringify(negative.body)).toMatch(/offset.*must not be negative/);
    const deep = await search(first, { query: 'x', offset: 990, limit: 20 });
    expect(deep.status).toBe(400);
  });
});
