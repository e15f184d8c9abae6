import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { DocsSite, startDocsSite } from '../bench/support/docs-site';
import { hashApiKey } from '../src/auth/api-keys';
import type { SourceRecord, SyncSummary } from '../src/sources/sources.types';
import { http, RunningApp, startApp } from './support/app-harness';
import { ConnectGuard } from '../src/sources/fetch/testing/connect-guard';

const ADMIN_KEY = 'sources-admin-key';
const INGEST_KEY = 'sources-ingest-key';
const SEARCH_KEY = 'sources-search-key';
const MAX_CHUNKS = 6;

interface Created {
  source: SourceRecord;
  job: { id: string; queue: string };
}

/**
 * Sources under API keys, 429/503 back-off against a real site, a collection's delete taking
 * its sources and schedules with it, and the per-document cost bounds of ingest.
 */
describe('sources: scopes, back-off, collection delete; document cost bounds (real app, site on 127.0.0.1)', () => {
  const guard = new ConnectGuard();
  let app: RunningApp;
  let site: DocsSite;

  const as = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });
  const call = <T = unknown>(key: string, method: string, path: string, body?: unknown) =>
    http<T>(app.url, method, path, body, as(key));

  interface JobView {
    state: string;
    result?: Record<string, unknown>;
    failedReason?: string;
  }

  /** Polls GET /v1/jobs/:id (with the ingest key) until every job has completed or failed. */
  async function waitForJobs(
    _base: string,
    ids: string[],
    timeoutMs = 120_000,
  ): Promise<JobView[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const views = await Promise.all(
        ids.map((id) => call<JobView>(INGEST_KEY, 'GET', `/v1/jobs/${id}`)),
      );
      const bodies = views.map((v) => v.body);
      if (bodies.every((b) => b.state === 'completed' || b.state === 'failed')) return bodies;
      if (Date.now() > deadline) throw new Error(`jobs did not finish: ${JSON.stringify(bodies)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  beforeAll(async () => {
    guard.start();
    site = await startDocsSite(6);
    app = await startApp({
      RAGLINE_API_KEYS: [
        `ops:admin:${hashApiKey(ADMIN_KEY)}`,
        `feeder:ingest:${hashApiKey(INGEST_KEY)}`,
        `reader:search:${hashApiKey(SEARCH_KEY)}`,
      ].join(','),
      RAGLINE_FETCH_ALLOW: '127.0.0.1/32',
      RAGLINE_FETCH_HOST_DELAY_MS: '0',
      RAGLINE_MAX_CHUNKS_PER_DOCUMENT: String(MAX_CHUNKS),
    });
    expect((await call(ADMIN_KEY, 'PUT', '/v1/collections/docs', {})).status).toBe(201);
  });

  afterAll(async () => {
    await app?.close();
    await site?.close();
    guard.stop();
  });

  afterEach(() => expect(guard.violations).toEqual([]));

  async function syncResult(jobId: string): Promise<SyncSummary> {
    const [job] = await waitForJobs(app.url, [jobId], 180_000);
    expect(job.failedReason).toBeUndefined();
    return job.result as unknown as SyncSummary;
  }

  it('an ingest key manages sources, a search-only key gets 403 on every sources route, admin may too', async () => {
    const urls = { type: 'urls', urls: [`${site.url}/docs/guides/page-1.html`] };
    const created = await call<Created>(INGEST_KEY, 'POST', '/v1/collections/docs/sources', urls);
    expect(created.status).toBe(202);
    const id = created.body.source.id;
    await syncResult(created.body.job.id);
    const base = '/v1/collections/docs/sources';
    const routes: Array<[string, string, unknown?]> = [
      ['POST', base, urls],
      ['GET', base],
      ['GET', `${base}/${id}`],
      ['POST', `${base}/${id}/sync`],
      ['DELETE', `${base}/${id}?documents=keep`],
    ];
    for (const [method, path, body] of routes) {
      const refused = await call<{ error: { message: string } }>(SEARCH_KEY, method, path, body);
      expect({ method, path, status: refused.status }).toEqual({ method, path, status: 403 });
      expect(refused.body.error.message).toMatch(/lacks the 'ingest' scope/);
      expect((await http(app.url, method, path, body)).status).toBe(401);
    }
    expect((await call(INGEST_KEY, 'GET', base)).status).toBe(200);
    expect((await call(INGEST_KEY, 'GET', `${base}/${id}`)).status).toBe(200);
    const again = await call<{ job: { id: string } }>(INGEST_KEY, 'POST', `${base}/${id}/sync`);
    expect(again.status).toBe(202);
    await syncResult(again.body.job.id);
    // The search key can still search what the source stored.
    const found = await call<{ hits: unknown[] }>(
      SEARCH_KEY,
      'POST',
      '/v1/collections/docs/search',
      {
        query: 'kw1',
        mode: 'bm25',
      },
    );
    expect(found.body.hits.length).toBeGreaterThan(0);
    const byAdmin = await call<{ sources: SourceRecord[] }>(ADMIN_KEY, 'GET', base);
    expect(byAdmin.body.sources.map((s) => s.id)).toEqual([id]);
    expect((await call(ADMIN_KEY, 'DELETE', `${base}/${id}?documents=keep`)).status).toBe(202);
    expect((await call(INGEST_KEY, 'GET', `${base}/${id}`)).status).toBe(404);
  });

  it('waits out 429 with Retry-After and stores the page; a page that stays 503 fails with a reason', async () => {
    const slow = site.busy;
    slow.set('/docs/guides/page-3.html', { status: 429, retryAfter: '2', times: 2, hits: [] });
    slow.set('/docs/reference/page-4.html', {
      status: 503,
      retryAfter: '1',
      times: Infinity,
      hits: [],
    });
    const res = await call<Created>(INGEST_KEY, 'POST', '/v1/collections/docs/sources', {
      type: 'urls',
      urls: [`${site.url}/docs/guides/page-3.html`, `${site.url}/docs/reference/page-4.html`],
    });
    const summary = await syncResult(res.body.job.id);
    expect(summary).toMatchObject({ added: 1, failed: 1 });
    expect(summary.failures).toEqual([
      {
        url: `${site.url}/docs/reference/page-4.html`,
        reason: 'HTTP 503 (still busy after 3 retries, honouring Retry-After)',
      },
    ]);
    const hits = slow.get('/docs/guides/page-3.html')!.hits;
    expect(hits).toHaveLength(3);
    const gaps = hits.slice(1).map((t, i) => t - hits[i]);
    // Retry-After: 2 (seconds) honoured before each retry.
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(1950);
    expect(slow.get('/docs/reference/page-4.html')!.hits).toHaveLength(4);
    const stored = await call(
      INGEST_KEY,
      'GET',
      `/v1/collections/docs/documents/${encodeURIComponent(`${site.url}/docs/guides/page-3.html`)}`,
    );
    expect(stored.status).toBe(200);
    console.log(`429 back-off: gaps between attempts ${gaps.join(', ')} ms (Retry-After: 2)`);
    slow.clear();
  });

  it('deleting a collection removes its sources and their job schedulers at once', async () => {
    expect((await call(ADMIN_KEY, 'PUT', '/v1/collections/doomed', {})).status).toBe(201);
    const queue = app.app.get<Queue>(getQueueToken('sources'));
    const ids: string[] = [];
    const repeats = new Map<string, object>([
      ['6h', { every: 6 * 3_600_000 }],
      ['0 3 * * *', { pattern: '0 3 * * *' }],
    ]);
    for (const [schedule, repeat] of repeats) {
      const res = await call<Created>(INGEST_KEY, 'POST', '/v1/collections/doomed/sources', {
        type: 'urls',
        urls: [`${site.url}/docs/guides/page-5.html`],
        schedule,
      });
      expect(res.status).toBe(202);
      const id = res.body.source.id;
      ids.push(id);
      expect(await queue.getJobScheduler(`source-${id}`)).toMatchObject({
        key: `source-${id}`,
        name: 'sync',
        ...repeat,
        template: { data: { collection: 'doomed', sourceId: id, trigger: 'schedule' } },
      });
    }

    expect((await call(ADMIN_KEY, 'DELETE', '/v1/collections/doomed')).status).toBe(204);
    // At once: no scheduler left to fire, no record left, before any scheduled run.
    for (const id of ids) expect(await queue.getJobScheduler(`source-${id}`)).toBeUndefined();
    expect(await queue.getJobSchedulersCount()).toBe(0);
    // A collection of the same name starts without the old sources.
    expect((await call(ADMIN_KEY, 'PUT', '/v1/collections/doomed', {})).status).toBe(201);
    const list = await call<{ sources: unknown[] }>(
      INGEST_KEY,
      'GET',
      '/v1/collections/doomed/sources',
    );
    expect(list.body.sources).toEqual([]);
    expect((await call(ADMIN_KEY, 'DELETE', '/v1/collections/doomed')).status).toBe(204);
  });

  it('refuses text that expands many-fold under NFKC at the door with a 400', async () => {
    const res = await call<{ error: { message: string } }>(
      INGEST_KEY,
      'POST',
      '/v1/collections/docs/documents',
      { documents: [{ id: 'fdfa', text: '\uFDFA'.repeat(3700) }] },
    );
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(
      /documents\[0\]: content grows 18\.0-fold under Unicode NFKC normalisation \(3700 characters become 66600/,
    );
    // A few such characters in ordinary text are fine.
    const fine = await call<{ jobs: Array<{ id: string }> }>(
      INGEST_KEY,
      'POST',
      '/v1/collections/docs/documents',
      { documents: [{ id: 'honorific', text: `The prophet \uFDFA was born in Mecca.` }] },
    );
    expect(fine.status).toBe(202);
    const [job] = await waitForJobs(app.url, [fine.body.jobs[0].id]);
    expect(job.state).toBe('completed');
  });

  it('fails a document of more chunks than allowed as a whole, keeping the version stored before', async () => {
    const submit = async (text: string) => {
      const res = await call<{ jobs: Array<{ id: string }> }>(
        INGEST_KEY,
        'POST',
        '/v1/collections/docs/documents',
        { documents: [{ id: 'long', text }] },
      );
      expect(res.status).toBe(202);
      return (await waitForJobs(app.url, [res.body.jobs[0].id]))[0];
    };
    const first = await submit('A short first version about kwshortversion.');
    expect(first.state).toBe('completed');
    const paragraphs = Array.from(
      { length: 40 },
      (_, i) => `Paragraph ${i} on kwlongversion, with enough words in it to fill part of a chunk.`,
    );
    const failed = await submit(paragraphs.join('\n\n'));
    expect(failed.state).toBe('failed');
    expect(failed.failedReason).toMatch(
      new RegExp(`the document gives \\d+ chunks; at most ${MAX_CHUNKS} are allowed per document`),
    );
    const doc = await call<{ chunks: number }>(
      INGEST_KEY,
      'GET',
      '/v1/collections/docs/documents/long',
    );
    expect(doc.status).toBe(200);
    const search = async (query: string) =>
      (
        await call<{ hits: Array<{ documentId: string }> }>(
          SEARCH_KEY,
          'POST',
          '/v1/collections/docs/search',
          {
            query,
            mode: 'bm25',
          },
        )
      ).body.hits.map((h) => h.documentId);
    expect(await search('kwshortversion')).toEqual(['long']);
    expect(await search('kwlongversion')).toEqual([]);
  });
});
