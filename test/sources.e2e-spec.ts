import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { CHROME_WORDS, DocsSite, startDocsSite } from '../bench/support/docs-site';
import { runCliIn, testIO } from '../src/cli/testing/test-io';
import type { SourceRecord, SyncSummary } from '../src/sources/sources.types';
import { http, RunningApp, startApp, waitForJobs } from './support/app-harness';
import { ConnectGuard } from '../src/sources/fetch/testing/connect-guard';

interface Created {
  source: SourceRecord;
  job: { id: string; queue: string };
}

interface Hit {
  documentId: string;
  text: string;
  metadata: Record<string, unknown>;
}

describe('sources: a documentation site kept in sync (real site on 127.0.0.1, real pipeline)', () => {
  const guard = new ConnectGuard();
  let app: RunningApp;
  let site: DocsSite;
  let sourceId: string;

  beforeAll(async () => {
    guard.start();
    site = await startDocsSite(60);
    app = await startApp({
      RAGLINE_FETCH_ALLOW: '127.0.0.1/32',
      RAGLINE_FETCH_HOST_DELAY_MS: '0',
      RAGLINE_FETCH_HOST_CONCURRENCY: '4',
    });
    expect((await http(app.url, 'PUT', '/v1/collections/site', {})).status).toBe(201);
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
    expect(job.state).toBe('completed');
    return job.result as unknown as SyncSummary;
  }

  async function bm25(query: string): Promise<Hit[]> {
    const res = await http<{ hits: Hit[] }>(app.url, 'POST', '/v1/collections/site/search', {
      query,
      mode: 'bm25',
      limit: 100,
    });
    expect(res.status).toBe(200);
    return res.body.hits;
  }

  const docPath = (url: string) => `/v1/collections/site/documents/${encodeURIComponent(url)}`;
  const pageRequests = (from: number) =>
    site.log.slice(from).filter((r) => r.path.startsWith('/docs/') || r.path.startsWith('/files/'));

  it('first sync stores exactly the allowed pages, main content only', async () => {
    const res = await http<Created>(app.url, 'POST', '/v1/collections/site/sources', {
      type: 'sitemap',
      url: `${site.url}/sitemap.xml`,
    });
    expect(res.status).toBe(202);
    sourceId = res.body.source.id;
    expect(res.body.job.queue).toBe('sources');
    const summary = await syncResult(res.body.job.id);

    const expected = site.expectedDocumentIds();
    expect(expected).toHaveLength(62);
    expect(summary).toMatchObject({
      discovered: 65,
      added: 62,
      updated: 0,
      deleted: 0,
      unchanged: 0,
      skipped: 2,
      failed: 1,
      complete: true,
    });
    expect(summary.skips.map((s) => [s.url.replace(site.url, ''), s.reason]).sort()).toEqual([
      ['/docs/draft.html', 'noindex (meta robots)'],
      ['/private/secret.html', 'disallowed by robots.txt'],
    ]);
    expect(summary.failures).toEqual([
      { url: `${site.url}/docs/missing.html`, reason: 'HTTP 404' },
    ]);
    expect(site.log.some((r) => r.path.startsWith('/private/'))).toBe(false);

    const info = await http<{ documents: number }>(app.url, 'GET', '/v1/collections/site');
    expect(info.body.documents).toBe(expected.length);
    for (const id of expected) expect((await http(app.url, 'GET', docPath(id))).status).toBe(200);
    for (const p of ['/docs/old-location.html', '/docs/draft.html', '/private/secret.html']) {
      expect((await http(app.url, 'GET', docPath(`${site.url}${p}`))).status).toBe(404);
    }
    const moved = await http<{ metadata: Record<string, unknown> }>(
      app.url,
      'GET',
      docPath(`${site.url}/docs/new-location.html`),
    );
    expect(moved.body.metadata).toMatchObject({
      url: `${site.url}/docs/new-location.html`,
      title: 'Moved page',
      source: sourceId,
      lastModified: 'Mon, 02 Nov 2026 10:00:00 GMT',
    });
    expect(typeof moved.body.metadata.fetchedAt).toBe('string');

    // The content is searchable, under its headings; the chrome is nowhere.
    const [hit] = await bm25('kw7');
    expect(hit.documentId).toBe(`${site.url}/docs/guides/page-7.html`);
    expect(hit.metadata.title).toBe('Page 7: schedules');
    expect((await bm25('kwpdf'))[0]?.documentId).toBe(`${site.url}/files/manual.pdf`);
    expect((await bm25('restores'))[0]?.documentId).toBe(`${site.url}/files/manual.pdf`);
    // Code blocks kept, under the page's heading path.
    const [code] = await bm25('ragline backups step');
    expect(code.text).toContain('ragline backups --step 20');
    expect(code.text).toContain('Page 20: backups > Details');
    for (const word of CHROME_WORDS) expect(await bm25(word)).toEqual([]);
    expect(await bm25('kwdraft')).toEqual([]);
    expect(await bm25('kwsecret')).toEqual([]);

    const record = await http<SourceRecord>(
      app.url,
      'GET',
      `/v1/collections/site/sources/${sourceId}`,
    );
    expect(record.body.lastSync).toMatchObject({ state: 'completed', added: 62 });
  });

  it('a second sync with nothing changed re-downloads no page and embeds nothing', async () => {
    const from = site.log.length;
    const res = await http<{ job: { id: string } }>(
      app.url,
      'POST',
      `/v1/collections/site/sources/${sourceId}/sync`,
    );
    expect(res.status).toBe(202);
    // One sync per source at a time: asking again meanwhile answers with the same job.
    const twice = await http<{ job: { id: string }; alreadyRunning: boolean }>(
      app.url,
      'POST',
      `/v1/collections/site/sources/${sourceId}/sync`,
    );
    expect(twice.body).toMatchObject({ job: { id: res.body.job.id }, alreadyRunning: true });
    const summary = await syncResult(res.body.job.id);
    expect(summary).toMatchObject({ unchanged: 62, added: 0, updated: 0, deleted: 0, fetched: 1 });
    expect(summary.chunks).toEqual({ added: 0, updated: 0, skipped: 0, deleted: 0 });
    // Only the noindex page (never stored, so no validators) is downloaded again.
    const downloaded = pageRequests(from).filter((r) => r.status === 200);
    expect(downloaded.map((r) => r.path)).toEqual(['/docs/draft.html']);
    expect(pageRequests(from).filter((r) => r.status === 304)).toHaveLength(62);
  });

  it('`ragline sources sync <id> --wait` follows the sync and prints its summary', async () => {
    const t = testIO();
    const code = await runCliIn(t.io, 'sources', 'sync', sourceId, '--wait', '--url', app.url);
    expect(t.err()).toMatch(/^sync \d+% \|/m);
    expect(code).toBe(0);
    expect(t.out()).toContain(
      'pages: 65 discovered, 1 fetched, 62 unchanged, 0 added, 0 updated, 0 deleted, 2 skipped, 1 failed',
    );
    expect(t.out()).toContain('chunks: 0 added, 0 updated, 0 unchanged, 0 deleted');
    expect(t.out()).toContain(`failed  ${site.url}/docs/missing.html: HTTP 404`);
  });

  it('a changed page is re-embedded and a removed page deleted', async () => {
    site.pages.get('/docs/guides/page-3.html')!.sentences = [
      'This page now covers kwchanged and nothing else.',
      'It was rewritten.',
    ];
    site.pages.delete('/docs/reference/page-4.html');
    const res = await http<{ job: { id: string } }>(
      app.url,
      'POST',
      `/v1/collections/site/sources/${sourceId}/sync`,
    );
    const summary = await syncResult(res.body.job.id);
    expect(summary).toMatchObject({ unchanged: 60, updated: 1, deleted: 1, added: 0 });
    expect(summary.chunks!.added + summary.chunks!.updated).toBeGreaterThan(0);
    expect((await bm25('kwchanged'))[0]?.documentId).toBe(`${site.url}/docs/guides/page-3.html`);
    expect(await bm25('kw3')).toEqual([]);
    expect(await bm25('kw4')).toEqual([]);
    expect(
      (await http(app.url, 'GET', docPath(`${site.url}/docs/reference/page-4.html`))).status,
    ).toBe(404);
    const info = await http<{ documents: number }>(app.url, 'GET', '/v1/collections/site');
    expect(info.body.documents).toBe(61);
  });

  it('a crawl finds the same pages through links, and a resync follows the links it stored', async () => {
    expect((await http(app.url, 'PUT', '/v1/collections/crawled', {})).status).toBe(201);
    // The start page is noindex, follow: not stored, but its links are crawled.
    const res = await http<Created>(app.url, 'POST', '/v1/collections/crawled/sources', {
      type: 'crawl',
      url: `${site.url}/`,
      exclude: ['*/page-5.html'],
    });
    const first = await syncResult(res.body.job.id);
    const expected = site.expectedDocumentIds().filter((id) => !id.includes('/page-5.html'));
    expect(first).toMatchObject({ added: expected.length, failed: 0, complete: true });
    const info = await http<{ documents: number }>(app.url, 'GET', '/v1/collections/crawled');
    expect(info.body.documents).toBe(expected.length);
    expect(first.skips.map((s) => s.reason).sort()).toEqual([
      'disallowed by robots.txt',
      'noindex (meta robots)',
      'noindex (meta robots)',
    ]);

    const again = await http<{ job: { id: string } }>(
      app.url,
      'POST',
      `/v1/collections/crawled/sources/${res.body.source.id}/sync`,
    );
    expect(await syncResult(again.body.job.id)).toMatchObject({
      unchanged: expected.length,
      added: 0,
      deleted: 0,
      complete: true,
    });
  });

  it('refuses targets outside the allowlist, also behind a redirect, with the reason in the job', async () => {
    const outside = await http<Created>(app.url, 'POST', '/v1/collections/site/sources', {
      type: 'sitemap',
      url: `http://127.0.0.2:${new URL(site.url).port}/sitemap.xml`,
    });
    expect(outside.status).toBe(202);
    const [failed] = await waitForJobs(app.url, [outside.body.job.id], 60_000);
    expect(failed.state).toBe('failed');
    expect(failed.failedReason).toMatch(
      /127\.0\.0\.2 is a loopback address; not in RAGLINE_FETCH_ALLOW/,
    );

    const viaRedirect = await http<Created>(app.url, 'POST', '/v1/collections/site/sources', {
      type: 'urls',
      urls: [
        `${site.url}/go?to=${encodeURIComponent('http://169.254.169.254/latest/meta-data/')}`,
        `${site.url}/go?to=${encodeURIComponent('http://[::ffff:10.0.0.1]/')}`,
      ],
    });
    const summary = await syncResult(viaRedirect.body.job.id);
    expect(summary.failed).toBe(2);
    expect(summary.failures.map((f) => f.reason)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/169\.254\.169\.254 is a metadata address/),
        expect.stringMatching(/is a private address/),
      ]),
    );
  });

  it('a scheduled source gets a BullMQ job scheduler, removed with the source and its documents', async () => {
    const t = testIO();
    const code = await runCliIn(
      t.io,
      ...[
        'sources',
        'add',
        `${site.url}/docs/guides/page-1.html`,
        '--urls',
        '--collection',
        'site',
      ],
      ...['--schedule', '6h', '--wait', '--url', app.url],
    );
    expect({ code, out: t.out(), err: t.err() }).toMatchObject({ code: 0 });
    const id = /source (\S+) \(urls\)/.exec(t.out())?.[1] as string;
    expect(t.out()).toContain('1 added');
    const queue = app.app.get<Queue>(getQueueToken('sources'));
    expect(await queue.getJobScheduler(`source-${id}`)).toMatchObject({ every: 6 * 3600_000 });

    const removed = await http<{ jobs: Array<{ id: string }> }>(
      app.url,
      'DELETE',
      `/v1/collections/site/sources/${id}?documents=delete`,
    );
    expect(removed.status).toBe(202);
    expect(removed.body.jobs).toHaveLength(1);
    await waitForJobs(
      app.url,
      removed.body.jobs.map((j) => j.id),
    );
    expect(await queue.getJobScheduler(`source-${id}`)).toBeUndefined();
    expect((await http(app.url, 'GET', `/v1/collections/site/sources/${id}`)).status).toBe(404);
  });

  it('a document submitted with `url` is fetched safely, extracted, and re-fetched conditionally', async () => {
    const url = `${site.url}/docs/guides/page-9.html`;
    const submit = async (target: string) => {
      const res = await http<{ jobs: Array<{ id: string }> }>(
        app.url,
        'POST',
        '/v1/collections/site/documents',
        { documents: [{ id: 'by-url', url: target, metadata: { lang: 'en' } }] },
      );
      expect(res.status).toBe(202);
      const [job] = await waitForJobs(app.url, [res.body.jobs[0].id]);
      return job;
    };
    const first = await submit(url);
    expect(first.state).toBe('completed');
    expect(first.result).toMatchObject({ documentId: 'by-url', url });
    expect(first.result!.chunksAdded as number).toBeGreaterThan(0);
    const doc = await http<{ metadata: Record<string, unknown> }>(
      app.url,
      'GET',
      docPath('by-url'),
    );
    expect(doc.body.metadata).toMatchObject({ lang: 'en', url, title: 'Page 9: monitoring' });

    const from = site.log.length;
    const again = await submit(url);
    expect(again.result).toMatchObject({ notModified: true, chunksAdded: 0, chunksUpdated: 0 });
    expect(site.log.slice(from)).toEqual([{ path: '/docs/guides/page-9.html', status: 304 }]);

    const refused = await submit(
      `${site.url}/go?to=${encodeURIComponent('http://169.254.169.254/')}`,
    );
    expect(refused.state).toBe('failed');
    expect(refused.failedReason).toMatch(/169\.254\.169\.254 is a metadata address/);
  });

  it('answers bad source requests with a clear 400 or 404', async () => {
    const bad = await http<{ error: { code: string; message: string } }>(
      app.url,
      'POST',
      '/v1/collections/site/sources',
      { type: 'sitemap', url: 'file:///etc/passwd' },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/url: must be an absolute http\(s\) URL/);
    const missing = await http(app.url, 'POST', '/v1/collections/nope/sources', {
      type: 'crawl',
      url: site.url,
    });
    expect(missing.status).toBe(404);
    const list = await http<{ sources: SourceRecord[] }>(
      app.url,
      'GET',
      '/v1/collections/site/sources',
    );
    expect(list.body.sources.map((s) => s.id)).toContain(sourceId);
  });
});
