import { rmSync } from 'node:fs';
import { AppConfig, loadConfig } from '../src/config/config';
import { useLiteTokenBudget } from '../src/embedding/use-lite.embedder';
import { chunksFor } from '../src/ingest/chunking';
import { freePort, PrivateRedis } from '../src/redis/testing/private-redis';
import { openVectorStore } from '../src/store/store.module';
import { http, HttpResult, tempDataDir, waitForJobs } from './support/app-harness';
import { fastifyDocs } from './support/corpus';
import { ServiceProcess, spawnService, waitFor } from './support/processes';

interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, { status: string }> };
}
interface SearchBody {
  hits: { documentId: string }[];
  cache: 'l1' | 'l2' | 'miss';
  version: number;
}
interface JobsBody {
  jobs: { id: string; documentId: string }[];
}

/** Far above any answer the outage allows, far below the search timeout: a hang shows. */
const QUICK_MS = 5000;
const SEARCH_TIMEOUT_MS = 30_000;
/** Each outage lasts at least this long, so the workers' own reconnect loops run too. */
const OUTAGE_MS = 1500;

/**
 * Issue 9: Redis (AOF on) killed and restarted under a real api process and a real worker
 * process, during an ingest of a small real corpus and during searches.
 */
describe('Redis outages (private redis-server with AOF, real api and worker processes)', () => {
  const docs = fastifyDocs([
    'HTTP2.md',
    'Principles.md',
    'Middleware.md',
    'Lifecycle.md',
    'Index.md',
    'LTS.md',
    'Warnings.md',
  ]);
  const dataDir = tempDataDir('outage');
  const figures = {
    faults: [] as string[],
    requests: 0,
    /** status counts per kind of request (documents, search, jobs, health, ...) */
    answered: {} as Record<string, Record<number, number>>,
    slowestRefusalMs: 0,
    accepted: new Map<string, string>(),
    attempts: 0,
    lost: 0,
  };
  let faultAt = 0;
  let redis: PrivateRedis;
  let config: AppConfig;
  let api: ServiceProcess;
  let worker: ServiceProcess;
  let base: string;

  /** Every request of the test goes through here: counted, timed, and never left hanging. */
  async function call<T>(method: string, path: string, body?: unknown) {
    const t0 = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const res = await Promise.race([
      http<T>(base, method, path, body),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${method} ${path}: no answer in 60 s`)), 60_000);
      }),
    ]).finally(() => clearTimeout(timer));
    const ms = Date.now() - t0;
    figures.requests++;
    const kind = path.split('/')[path.startsWith('/v1/collections/') ? 4 : 2] ?? path;
    const counts = (figures.answered[kind] ??= {});
    counts[res.status] = (counts[res.status] ?? 0) + 1;
    return { ...res, ms };
  }

  /** What Redis being down must look like to a client: a quick 503 with Retry-After, never a 500. */
  function expectRefused(res: HttpResult<unknown> & { ms: number }, code = 'unavailable') {
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((res.body as ErrorBody).error.code).toBe(code);
    expect((res.body as ErrorBody).error.message).toMatch(/redis/i);
    expect(res.ms).toBeLessThan(QUICK_MS);
    figures.slowestRefusalMs = Math.max(figures.slowestRefusalMs, res.ms);
  }

  /** A client that honours 503: tries again until accepted. */
  async function untilAnswered<T>(method: string, path: string, body: unknown, ok: number) {
    return waitFor(
      async () => {
        const res = await call<T>(method, path, body);
        if (res.status === ok) return res;
        expect(res.status).toBe(503);
        return null;
      },
      `${method} ${path} to be answered ${ok}`,
      30_000,
      200,
    );
  }

  async function ingestOne(doc: { id: string; markdown: string }) {
    return call<JobsBody>('POST', '/v1/collections/outage/documents', { documents: [doc] });
  }

  /** What a producer does with a refused document: submits it again until it is accepted. */
  async function resubmitUntilAccepted(doc: { id: string; markdown: string }) {
    return untilAnswered<JobsBody>(
      'POST',
      '/v1/collections/outage/documents',
      { documents: [doc] },
      202,
    );
  }

  function accept(res: HttpResult<JobsBody>) {
    expect(res.status).toBe(202);
    for (const job of res.body.jobs) figures.accepted.set(job.documentId, job.id);
  }

  async function fault(signal: 'SIGKILL' | 'SIGTERM', during: string) {
    figures.faults.push(`${signal} during ${during}`);
    await redis.stop(signal);
    faultAt = Date.now();
  }

  async function recover() {
    await new Promise((r) => setTimeout(r, Math.max(0, faultAt + OUTAGE_MS - Date.now())));
    await redis.restart();
    await untilAnswered('GET', '/v1/health/ready', undefined, 200);
  }

  /** Waits until one of the jobs runs (or, on a fast machine, all have already finished). */
  async function someJobActive(ids: string[]) {
    await waitFor(
      async () => {
        const states = await Promise.all(
          ids.map(
            async (id) => (await http<{ state: string }>(base, 'GET', `/v1/jobs/${id}`)).body.state,
          ),
        );
        return states.includes('active') || states.every((s) => s === 'completed');
      },
      'an ingest job to be running',
      60_000,
      50,
    );
  }

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    const port = await freePort();
    const env = {
      REDIS_URL: redis.url,
      RAGLINE_QUEUE_PREFIX: 'outage',
      RAGLINE_DATA_DIR: dataDir,
      RAGLINE_EMBED_POOL_SIZE: '1',
      RAGLINE_INGEST_BACKOFF_MS: '200',
      RAGLINE_SEARCH_TIMEOUT_MS: String(SEARCH_TIMEOUT_MS),
      RAGLINE_MONITOR_INTERVAL_MS: '500',
    };
    config = loadConfig(env);
    api = spawnService({ ...env, RAGLINE_ROLE: 'api', PORT: String(port) });
    worker = spawnService({ ...env, RAGLINE_ROLE: 'worker' });
    base = `http://127.0.0.1:${port}`;
    await waitFor(
      async () => (await http(base, 'GET', '/v1/health/ready').catch(() => null))?.status === 200,
      'the api process to be ready',
      60_000,
      200,
    );
    expect((await call('PUT', '/v1/collections/outage', {})).status).toBe(201);
  });

  afterAll(async () => {
    await Promise.all([api?.kill('SIGKILL'), worker?.kill('SIGKILL')]);
    await redis?.destroy();
    rmSync(dataDir, { recursive: true, force: true });
    console.log(
      `OUTAGE ${JSON.stringify({
        faults: figures.faults,
        requests: figures.requests,
        answered: figures.answered,
        slowestRefusalMs: figures.slowestRefusalMs,
        acceptedDocuments: figures.accepted.size,
        jobAttempts: figures.attempts,
        lost: figures.lost,
      })}`,
    );
  });

  it('restarts during an ingest: every document answered 202 ends in the store with exactly its chunks', async () => {
    const [first, second, third] = [docs.slice(0, 4), docs.slice(4, 6), docs.slice(6)];
    for (const doc of first) accept(await ingestOne(doc));
    await someJobActive([...figures.accepted.values()]);

    // a crash, mid-way through the ingest
    await fault('SIGKILL', 'ingest');
    for (const doc of second) expectRefused(await ingestOne(doc));
    expectRefused(await call('GET', `/v1/jobs/${figures.accepted.get(first[0].id)}`));
    const ready = await call<ErrorBody>('GET', '/v1/health/ready');
    expectRefused(ready, 'not_ready');
    expect(ready.body.error.details?.redis.status).toBe('down');
    await recover();
    for (const doc of second) accept(await resubmitUntilAccepted(doc));

    // a clean shutdown, while the rest is still being worked on
    await someJobActive(second.map((d) => figures.accepted.get(d.id) as string));
    await fault('SIGTERM', 'ingest');
    for (const doc of third) expectRefused(await ingestOne(doc));
    await recover();
    for (const doc of third) accept(await resubmitUntilAccepted(doc));

    const finished = await waitForJobs(base, [...figures.accepted.values()], 120_000);
    expect(finished.map((j) => j.state)).toEqual(finished.map(() => 'completed'));
    figures.attempts = finished.reduce(
      (n, j) => n + (j as unknown as { attempts: number }).attempts,
      0,
    );

    const store = await openVectorStore(config);
    try {
      const budget = useLiteTokenBudget();
      let total = 0;
      for (const doc of docs) {
        const expected = chunksFor('markdown', doc.markdown, budget, config.chunking).length;
        total += expected;
        const stored = await store.listDocumentChunks('outage', doc.id);
        const indexes = stored.map((c) => c.chunkIndex).sort((a, b) => a - b);
        const record = await http<{ chunks: number }>(
          base,
          'GET',
          `/v1/collections/outage/documents/${encodeURIComponent(doc.id)}`,
        );
        const intact =
          indexes.length === expected &&
          indexes.every((v, i) => v === i) &&
          record.status === 200 &&
          record.body.chunks === expected;
        if (!intact) figures.lost++;
      }
      expect(figures.lost).toBe(0);
      expect(await store.count('outage')).toBe(total);
    } finally {
      await store.close();
    }
    expect(api.child.exitCode).toBeNull();
    expect(worker.child.exitCode).toBeNull();
  });

  it('restarts during searches: 503 for what needs Redis, L1 hits still answer, fresh results after', async () => {
    const search = (query: string, mode = 'bm25') =>
      call<SearchBody>('POST', '/v1/collections/outage/search', { query, mode, limit: 5 });
    const cachedQuery = 'quixotic zebras tango';
    const first = await search(cachedQuery);
    expect(first.status).toBe(200);
    expect(first.body.hits.map((h) => h.documentId)).not.toContain('zebras.txt');
    expect((await search(cachedQuery)).body.cache).toBe('l1');

    // a search already waiting for its job when Redis goes: the worker is frozen so it cannot finish
    worker.child.kill('SIGSTOP');
    try {
      const pending = search('which principles guide the framework', 'hybrid');
      await new Promise((r) => setTimeout(r, 500));
      const killedAt = Date.now();
      await fault('SIGTERM', 'searches');
      const answered = await pending;
      expect(answered.status).toBe(503);
      expect(Date.now() - killedAt).toBeLessThan(QUICK_MS);

      const fromL1 = await search(cachedQuery);
      expect(fromL1.status).toBe(200);
      expect(fromL1.body.cache).toBe('l1');
      expectRefused(await search('middleware and express compatibility', 'hybrid'));
      expectRefused(await search('long term support'));
      // the operator's view keeps working through the outage
      expect((await call('GET', '/v1/health/performance')).status).toBe(200);
      const exposition = await call('GET', '/metrics');
      expect(exposition.status).toBe(200);
      // ... and says Redis is gone, for RaglineRedisNotReady.
      expect(String(exposition.body)).toMatch(
        /^ragline_dependency_ready\{dependency="redis"\} 0$/m,
      );
    } finally {
      worker.child.kill('SIGCONT');
    }
    await recover();
    const after = await untilAnswered<SearchBody>(
      'POST',
      '/v1/collections/outage/search',
      { query: 'middleware and express compatibility', mode: 'hybrid', limit: 5 },
      200,
    );
    expect(after.body.hits.length).toBeGreaterThan(0);

    // a write after the restart is seen by the next search: no stale cached result
    const write = await call<JobsBody>('POST', '/v1/collections/outage/documents', {
      documents: [{ id: 'zebras.txt', text: 'Quixotic zebras tango through every Redis outage.' }],
    });
    expect(write.status).toBe(202);
    const [done] = await waitForJobs(base, [write.body.jobs[0].id], 60_000);
    expect(done.state).toBe('completed');
    const fresh = await search(cachedQuery);
    expect(fresh.status).toBe(200);
    expect(fresh.body.version).toBeGreaterThan(first.body.version);
    expect(fresh.body.hits[0]?.documentId).toBe('zebras.txt');

    expect(api.child.exitCode).toBeNull();
    expect(worker.child.exitCode).toBeNull();
    expect(api.output() + worker.output()).not.toMatch(/unhandled|uncaught/i);
  });
});
