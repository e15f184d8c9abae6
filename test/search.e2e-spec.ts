import { getQueueToken } from '@nestjs/bullmq';
import { Queue, Worker } from 'bullmq';
import Redis from 'ioredis';
import { SearchWaiters } from '../src/search/search-waiters';
import { bullConnectionOptions } from '../src/redis/redis-connection';
import { decodeJobFailure } from '../src/queues/job-failure';
import { fastifyDocs } from './support/corpus';
import { waitFor } from './support/processes';
import {
  http,
  REDIS_URL,
  RunningApp,
  startApp,
  tempDataDir,
  uniquePrefix,
  waitForJobs,
} from './support/app-harness';
import { SEARCH_QUEUE } from '../src/queues/queue-names';
import { SearchJobData } from '../src/queues/search-job';

interface Hit {
  documentId: string;
  text: string;
  score: number;
  metadata: Record<string, unknown>;
}
interface SearchBody {
  hits: Hit[];
  cache: string;
  version: number;
  took: { totalMs: number; queueMs?: number; embedMs?: number; storeMs?: number };
}
interface ErrorBody {
  error: { code: string; message: string };
}

describe('search end to end (real Redis, real model, real LanceDB)', () => {
  const prefix = uniquePrefix('search');
  const dataDir = tempDataDir('search');
  let main: RunningApp;
  let peer: RunningApp;

  const search = (app: RunningApp, body: unknown, collection = 'kb') =>
    http<SearchBody>(app.url, 'POST', `/v1/collections/${collection}/search`, body);

  async function ingest(documents: unknown[]): Promise<void> {
    const res = await http<{ jobs: { id: string }[] }>(
      main.url,
      'POST',
      '/v1/collections/kb/documents',
      { documents },
    );
    expect(res.status).toBe(202);
    const done = await waitForJobs(
      main.url,
      res.body.jobs.map((j) => j.id),
    );
    expect(done.every((j) => j.state === 'completed')).toBe(true);
  }

  beforeAll(async () => {
    const shared = {
      RAGLINE_QUEUE_PREFIX: prefix,
      RAGLINE_DATA_DIR: dataDir,
      RAGLINE_MONITOR_INTERVAL_MS: '300',
    };
    main = await startApp(shared);
    peer = await startApp({ ...shared, RAGLINE_ROLE: 'api' });
    expect((await http(main.url, 'PUT', '/v1/collections/kb', {})).status).toBe(201);
    await ingest([
      ...fastifyDocs().map((d) => ({ ...d, metadata: { source: 'fastify', lang: 'en' } })),
      {
        id: 'recipes/bread.txt',
        text: 'To bake sourdough bread, feed the starter, mix flour and water, let the dough rise overnight and bake it in a hot oven.',
        metadata: { source: 'kitchen', lang: 'en', year: 2021 },
      },
      {
        id: 'recipes/soup.txt',
        text: 'A tomato soup needs ripe tomatoes, onions, garlic and olive oil, simmered slowly and blended smooth.',
        metadata: { source: 'kitchen', lang: 'en', year: 2019 },
      },
      {
        id: 'recipes/brot.txt',
        text: 'Brot backen: Sauerteig ansetzen, Mehl und Wasser mischen, über Nacht gehen lassen.',
        metadata: { source: 'kitchen', lang: 'de', year: 2023 },
      },
    ]);
  });

  afterAll(async () => {
    await peer?.close({ keepData: true });
    await main?.close();
  });

  it.each(['dense', 'bm25', 'hybrid'])(
    'finds the document that answers a known question (%s)',
    async (mode) => {
      const res = await search(main, {
        query: 'How do I bake sourdough bread with a starter?',
        mode,
        limit: 5,
      });
      expect(res.status).toBe(200);
      expect(res.body.hits[0].documentId).toBe('recipes/bread.txt');
      const http2 = await search(main, {
        query: 'serving HTTP2 with TLS in fastify',
        mode,
        limit: 5,
      });
      expect(http2.body.hits.slice(0, 3).map((h) => h.documentId)).toContain('reference/HTTP2.md');
    },
  );

  it('returns chunk text, document id, chunk index, metadata, timings and a Server-Timing header', async () => {
    const res = await search(main, { query: 'tomato soup with garlic', limit: 3 });
    const hit = res.body.hits[0];
    expect(hit).toMatchObject({
      documentId: 'recipes/soup.txt',
      chunkIndex: 0,
      metadata: { source: 'kitchen', year: 2019 },
    });
    expect(hit.text).toContain('tomato');
    expect(res.body.took.totalMs).toBeGreaterThan(0);
    expect(res.headers.get('server-timing')).toMatch(/cache;desc="(miss|l1|l2)", total;dur=/);
  });

  it('honours filters: a filter excludes what it should', async () => {
    const query = 'bake bread from flour and water';
    const all = await search(main, { query, mode: 'hybrid', limit: 10 });
    expect(all.body.hits.map((h) => h.documentId)).toContain('recipes/brot.txt');
    const english = await search(main, {
      query,
      mode: 'hybrid',
      limit: 10,
      filter: { must: [{ key: 'metadata.lang', match: 'en' }] },
    });
    expect(english.body.hits.length).toBeGreaterThan(0);
    expect(english.body.hits.every((h) => h.metadata.lang === 'en')).toBe(true);
    const recent = await search(main, {
      query,
      limit: 10,
      filter: {
        must: [{ key: 'metadata.year', range: { gte: 2020 } }],
        mustNot: [{ key: 'metadata.lang', match: 'de' }],
      },
    });
    expect(recent.body.hits.map((h) => h.documentId)).toEqual(['recipes/bread.txt']);
    const hostile = await search(main, {
      query,
      limit: 10,
      filter: { must: [{ key: 'metadata.lang', match: "x' OR 1=1 --" }] },
    });
    expect(hostile.status).toBe(200);
    expect(hostile.body.hits).toEqual([]);
  });

  it('serves a repeated search from L1, and another process from L2', async () => {
    const body = { query: 'the request lifecycle of fastify hooks', limit: 4 };
    const first = await search(main, body);
    expect(first.body.cache).toBe('miss');
    const again = await search(main, body);
    expect(again.body.cache).toBe('l1');
    expect(again.body.hits).toEqual(first.body.hits);
    const elsewhere = await search(peer, body);
    expect(elsewhere.body.cache).toBe('l2');
    expect(elsewhere.body.hits).toEqual(first.body.hits);
  });

  it('never serves a stale result after a write has completed, in any process', async () => {
    const body = { query: 'how to brew green tea', mode: 'hybrid', limit: 3 };
    await search(main, body);
    await search(peer, body);
    expect((await search(peer, body)).body.cache).toBe('l1');
    await ingest([
      {
        id: 'recipes/tea.txt',
        text: 'To brew green tea, heat water to 80 degrees and steep the leaves for two minutes.',
      },
    ]);
    for (const app of [main, peer]) {
      const res = await search(app, body);
      expect(res.body.hits[0].documentId).toBe('recipes/tea.txt');
    }
  });

  it('keeps query vectors out of Redis, and reuses them in the process after a write', async () => {
    const redis = new Redis(REDIS_URL);
    const embeddingKeys = async () => (await redis.keys(`${prefix}:emb:*`)).sort();
    const avoidedByQueryVectors = async () => {
      const metrics = await fetch(`${main.url}/metrics`).then((r) => r.text());
      const line = /ragline_model_calls_avoided_total\{reason="query_vector_cache"\} (\d+)/.exec(
        metrics,
      );
      return line ? Number(line[1]) : 0;
    };
    try {
      const body = { query: 'which oven temperature bakes a loaf', mode: 'hybrid', limit: 3 };
      const keysBefore = await embeddingKeys();
      expect((await search(main, body)).body.cache).toBe('miss');
      expect(await embeddingKeys()).toEqual(keysBefore);
      const avoided = await avoidedByQueryVectors();
      await ingest([{ id: 'recipes/oven.txt', text: 'Bake the loaf in an oven at 230 degrees.' }]);
      // The write changed the collection's version: the search runs again, with the vector kept.
      const again = await search(main, body);
      expect(again.body.hits[0].documentId).toBe('recipes/oven.txt');
      expect(await avoidedByQueryVectors()).toBeGreaterThan(avoided);
    } finally {
      redis.disconnect();
    }
  });

  it('re-runs the hottest searches after a write, so they answer from the cache again', async () => {
    const queue = main.app.get<Queue<SearchJobData>>(getQueueToken(SEARCH_QUEUE));
    const body = { query: 'how long should bread dough rise', mode: 'hybrid', limit: 3 };
    for (let i = 0; i < 3; i++) await search(main, body);
    expect((await search(main, body)).body.cache).toBe('l1');
    const writtenAt = Date.now();
    await ingest([
      {
        id: 'recipes/rise.txt',
        text: 'Bread dough should rise for about two hours at room temperature, or overnight in the fridge.',
      },
    ]);
    // Nobody searches meanwhile: the warmer alone re-runs the hot query for the new version.
    await waitFor(async () => {
      const jobs = await queue.getJobs(['completed']);
      return jobs.some(
        (job) => job?.data.spec.query === body.query && job.data.enqueuedAt >= writtenAt,
      );
    }, 'the warmer to re-run the hot query');
    const res = await search(main, body);
    expect(res.body.cache).toBe('l1');
    expect(res.body.hits[0].documentId).toBe('recipes/rise.txt');
  });

  it('N identical concurrent searches make one job', async () => {
    const queue = main.app.get<Queue<SearchJobData>>(getQueueToken(SEARCH_QUEUE));
    const body = { query: `a question nobody asked before ${Date.now()}`, limit: 5 };
    const results = await Promise.all(Array.from({ length: 12 }, () => search(main, body)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    // other searches (the hot-query warmer) may run meanwhile: count the jobs of this query
    const jobs = await queue.getJobs(['completed', 'active', 'waiting', 'failed']);
    expect(jobs.filter((job) => job?.data.spec.query === body.query)).toHaveLength(1);
    expect(new Set(results.map((r) => JSON.stringify(r.body.hits))).size).toBe(1);
  });

  it('answers a batch with one result per search, in order', async () => {
    const res = await http<{ results: SearchBody[] }>(
      main.url,
      'POST',
      '/v1/collections/kb/search/batch',
      {
        searches: [
          { query: 'tomato soup' },
          { query: 'sourdough bread' },
          { query: 'http2 server', mode: 'bm25' },
        ],
      },
    );
    expect(res.status).toBe(200);
    expect(res.body.results.map((r) => r.hits[0].documentId)).toEqual([
      'recipes/soup.txt',
      'recipes/bread.txt',
      'reference/HTTP2.md',
    ]);
  });

  it.each([
    ['an empty query', { query: '   ' }, 400, /query: must not be empty/],
    ['a limit over the maximum', { query: 'x', limit: 101 }, 400, /limit: must be at most 100/],
    [
      'a malformed filter',
      { query: 'x', filter: { must: [{ key: 'metadata.lang' }] } },
      400,
      /filter/,
    ],
    [
      'a filter key outside the grammar',
      { query: 'x', filter: { must: [{ key: 'metadata.__proto__', match: 1 }] } },
      400,
      /filter/,
    ],
    [
      'a filter nested too deep',
      {
        query: 'x',
        filter: {
          must: [
            {
              must: [
                { must: [{ must: [{ must: [{ must: [{ key: 'documentId', match: 'a' }] }] }] }] },
              ],
            },
          ],
        },
      },
      400,
      /deep|depth|nest/i,
    ],
    ['an unknown field', { query: 'x', top_k: 3 }, 400, /Unrecognized key/],
  ])('answers %s with 400 and a reason', async (_label, body, status, reason) => {
    const res = await http<ErrorBody>(main.url, 'POST', '/v1/collections/kb/search', body);
    expect(res.status).toBe(status);
    expect(res.body.error.message).toMatch(reason);
  });

  it('shows what it served on /v1/health/performance and /metrics', async () => {
    const body = { query: 'performance page check', limit: 2 };
    await search(main, body);
    await search(main, body);
    await new Promise((r) => setTimeout(r, 700));
    const perf = await http<{
      status: string;
      latency: { search: { p50Ms: number; p95Ms: number; p99Ms: number } };
      cache: { l1HitRate: number; hitRate: number };
      queues: Record<string, { waiting: number; active: number; failed: number; delayed: number }>;
      actions: unknown[];
    }>(main.url, 'GET', '/v1/health/performance');
    expect(perf.status).toBe(200);
    expect(perf.body.latency.search.p95Ms).toBeGreaterThan(0);
    expect(perf.body.latency.search.p50Ms).toBeLessThanOrEqual(perf.body.latency.search.p99Ms);
    expect(perf.body.cache.l1HitRate).toBeGreaterThan(0);
    expect(Object.keys(perf.body.queues).sort()).toEqual([
      'ingest',
      'reembed',
      'search',
      'sources',
      'tune',
    ]);
    expect(perf.body.queues.ingest).toMatchObject({ waiting: expect.any(Number), failed: 0 });
    // Every search so far was answered: none failed or waits for a retry.
    expect(perf.body.queues.search).toMatchObject({ failed: 0, delayed: 0 });
    expect(Array.isArray(perf.body.actions)).toBe(true);

    const metrics = await fetch(`${main.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(
      /ragline_http_request_duration_seconds_bucket\{[^}]*route="\/v1\/collections\/:name\/search"/,
    );
    expect(metrics).toMatch(/ragline_cache_requests_total\{[^}]*tier="l1"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/ragline_queue_jobs\{[^}]*queue="ingest"/);
    expect(metrics).not.toMatch(/route="\/v1\/collections\/kb/);
  });

  it('answers an unknown collection with 404', async () => {
    const res = await http<ErrorBody>(main.url, 'POST', '/v1/collections/nothing-here/search', {
      query: 'x',
    });
    expect(res.status).toBe(404);
  });
});

describe('search timeouts', () => {
  it('answers 504 when no worker delivers in time, and leaves no waiter behind', async () => {
    const api = await startApp({ RAGLINE_ROLE: 'api', RAGLINE_SEARCH_TIMEOUT_MS: '400' });
    try {
      expect((await http(api.url, 'PUT', '/v1/collections/slow', {})).status).toBe(201);
      const started = Date.now();
      const res = await http<ErrorBody>(api.url, 'POST', '/v1/collections/slow/search', {
        query: 'anything at all',
      });
      expect(res.status).toBe(504);
      expect(res.body.error.code).toBe('timeout');
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
      expect(api.app.get(SearchWaiters).pending).toBe(0);
    } finally {
      await api.close();
    }
  });

  it('a request that joins a search in flight keeps its own deadline, and gets the result', async () => {
    const prefix = uniquePrefix('joined');
    const api = await startApp({
      RAGLINE_ROLE: 'api',
      RAGLINE_QUEUE_PREFIX: prefix,
      RAGLINE_SEARCH_TIMEOUT_MS: '1500',
    });
    let worker: Worker | undefined;
    try {
      expect((await http(api.url, 'PUT', '/v1/collections/joined', {})).status).toBe(201);
      const body = { query: 'a search two clients ask for', limit: 3 };
      const first = http<ErrorBody>(api.url, 'POST', '/v1/collections/joined/search', body);
      await new Promise((r) => setTimeout(r, 1000));
      const second = http<SearchBody>(api.url, 'POST', '/v1/collections/joined/search', body);
      expect((await first).status).toBe(504);
      // Only now does a worker (a stand-in that answers at once) take the job.
      worker = new Worker(
        SEARCH_QUEUE,
        async () => ({ hits: [], timings: { queueMs: 0, embedMs: 0, storeMs: 0, batchSize: 1 } }),
        { connection: bullConnectionOptions(REDIS_URL), prefix },
      );
      const res = await second;
      expect(res.status).toBe(200);
      expect(res.body.cache).toBe('miss');
      expect(api.app.get(SearchWaiters).pending).toBe(0);
    } finally {
      await worker?.close();
      await api.close();
    }
  });

  it('a worker drops a search job whose caller already timed out, without running it', async () => {
    const prefix = uniquePrefix('expired');
    const dataDir = tempDataDir('expired');
    const shared = { RAGLINE_QUEUE_PREFIX: prefix, RAGLINE_DATA_DIR: dataDir };
    const api = await startApp({
      ...shared,
      RAGLINE_ROLE: 'api',
      RAGLINE_SEARCH_TIMEOUT_MS: '400',
    });
    let worker: RunningApp | undefined;
    try {
      expect((await http(api.url, 'PUT', '/v1/collections/late', {})).status).toBe(201);
      const queue = api.app.get<Queue<SearchJobData>>(getQueueToken(SEARCH_QUEUE));
      // The answer is a 504, and the job is left waiting for a worker (a backlog, in effect).
      const job = await queue.add(
        'search',
        {
          spec: {
            collection: 'late',
            store: 'late',
            embedder: 'use-lite',
            query: 'nobody waits for this',
            mode: 'dense',
            limit: 3,
          },
          enqueuedAt: Date.now() - 1000,
        },
        { jobId: `search-expired-${Date.now()}` },
      );
      worker = await startApp({
        ...shared,
        RAGLINE_ROLE: 'worker',
        RAGLINE_SEARCH_TIMEOUT_MS: '400',
      });
      await waitFor(
        async () => (await job.getState()) === 'failed',
        'the expired job to be dropped',
      );
      const reread = await queue.getJob(String(job.id));
      expect(decodeJobFailure(reread?.failedReason)).toEqual({
        code: 'expired',
        message: expect.stringMatching(/^expired: waited \d+ ms in the queue/),
      });
      expect(reread?.returnvalue ?? null).toBeNull();
    } finally {
      await worker?.close({ keepData: true });
      await api.close();
    }
  });
});
