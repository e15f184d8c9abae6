import { DocsSite, startDocsSite } from '../bench/support/docs-site';
import type { SourceRecord, SyncSummary } from '../src/sources/sources.types';
import { VECTOR_STORE, VectorStore } from '../src/store/vector-store.port';
import {
  http,
  RunningApp,
  startApp,
  tempDataDir,
  uniquePrefix,
  waitForJobs,
} from './support/app-harness';
import { ServiceProcess, spawnService, waitFor } from './support/processes';

describe('a sources worker killed mid-sync (real processes)', () => {
  const prefix = uniquePrefix('srccrash');
  const dataDir = tempDataDir('srccrash');
  const env = {
    RAGLINE_QUEUE_PREFIX: prefix,
    RAGLINE_DATA_DIR: dataDir,
    RAGLINE_EMBED_POOL_SIZE: '1',
    RAGLINE_JOB_LOCK_MS: '2000',
    RAGLINE_STALLED_INTERVAL_MS: '1000',
    RAGLINE_FETCH_ALLOW: '127.0.0.1/32',
    RAGLINE_FETCH_HOST_DELAY_MS: '0',
  };
  let api: RunningApp;
  let site: DocsSite;
  const workers: ServiceProcess[] = [];

  beforeAll(async () => {
    site = await startDocsSite(60);
    api = await startApp({ ...env, RAGLINE_ROLE: 'api' });
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    await api?.close();
    await site?.close();
  });

  it('resumes without refetching what was stored, and stores each page exactly once', async () => {
    expect((await http(api.url, 'PUT', '/v1/collections/crash', {})).status).toBe(201);
    const res = await http<{ source: SourceRecord; job: { id: string } }>(
      api.url,
      'POST',
      '/v1/collections/crash/sources',
      { type: 'sitemap', url: `${site.url}/sitemap.xml` },
    );
    expect(res.status).toBe(202);
    const jobId = res.body.job.id;
    // Any answer with the page counts as a fetch, a 304 too (a restarted sync would ask again).
    const fetchedPages = () =>
      site.log
        .filter((r) => r.path.startsWith('/docs/') && (r.status === 200 || r.status === 304))
        .map((r) => r.path);

    site.delayMs = 150; // slow enough to stop the sync part-way
    const first = spawnService({ ...env, RAGLINE_ROLE: 'worker' });
    workers.push(first);
    await waitFor(
      async () => fetchedPages().length >= 15,
      'the first worker to fetch 15 pages',
      90_000,
      20,
    );
    await first.kill('SIGKILL');
    const beforeKill = fetchedPages().length;
    expect(beforeKill).toBeLessThan(50);
    site.delayMs = 0;

    const second = spawnService({ ...env, RAGLINE_ROLE: 'worker' });
    workers.push(second);
    const [done] = await waitForJobs(api.url, [jobId], 180_000);
    expect(done.failedReason).toBeUndefined();
    expect(done.state).toBe('completed');
    const summary = done.result as unknown as SyncSummary;
    expect(summary).toMatchObject({ added: 62, deleted: 0, failed: 1, skipped: 2 });

    // Pages recorded before the kill were not fetched again; only those in flight then were.
    const counts = new Map<string, number>();
    for (const path of fetchedPages()) counts.set(path, (counts.get(path) ?? 0) + 1);
    const refetched = [...counts].filter(([, n]) => n > 1);
    expect(refetched.length).toBeLessThanOrEqual(4);
    expect(counts.size).toBe(62); // 60 pages, the moved page and the noindex one (not the PDF)

    // Every stored page once, with exactly its chunks: nothing duplicated, nothing lost.
    const info = await http<{ documents: number; chunks: number }>(
      api.url,
      'GET',
      '/v1/collections/crash',
    );
    expect(info.body.documents).toBe(62);
    const store = api.app.get<VectorStore>(VECTOR_STORE);
    let perDocument = 0;
    for (const id of site.expectedDocumentIds()) {
      const chunks = await store.listDocumentChunks('crash', id);
      expect(chunks.length).toBeGreaterThan(0);
      expect(chunks.map((c) => c.chunkIndex).sort((a, b) => a - b)).toEqual([
        ...Array(chunks.length).keys(),
      ]);
      perDocument += chunks.length;
    }
    const total = await waitFor(
      async () => {
        const n = await store.count('crash');
        return n === perDocument ? n : null;
      },
      'the store count to settle',
      10_000,
    );
    expect(total).toBe(info.body.chunks);
  });
});
