import { hashApiKey } from '../../src/auth/api-keys';
import type { PerformanceReport } from '../../src/monitor/performance-report';
import { http, RunningApp, startApp } from '../support/app-harness';
import { waitFor } from '../support/processes';

const ADMIN_KEY = 'ops-admin-key';
const APP_KEY = 'app-search-ingest-key';
const COLLECTION = 'secret-project';
const bearer = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });

/**
 * What a scraper or an uptime check may read without a key (/metrics, the performance
 * summary) names no collection; the admin scope gets the detail.
 */
describe('public operations endpoints (real app with API keys, real traffic)', () => {
  let app: RunningApp;
  const adminPerformance = () =>
    http<PerformanceReport>(app.url, 'GET', '/v1/health/performance', undefined, bearer(ADMIN_KEY));

  beforeAll(async () => {
    app = await startApp({
      RAGLINE_API_KEYS: `ops:admin:${hashApiKey(ADMIN_KEY)},app:search+ingest:${hashApiKey(APP_KEY)}`,
      RAGLINE_MONITOR_INTERVAL_MS: '300',
    });
    expect(
      (await http(app.url, 'PUT', `/v1/collections/${COLLECTION}`, {}, bearer(ADMIN_KEY))).status,
    ).toBe(201);
    const ingest = await http<{ jobs: { id: string }[] }>(
      app.url,
      'POST',
      `/v1/collections/${COLLECTION}/documents`,
      {
        documents: [
          { id: 'plan', text: 'The acquisition closes in March; nobody outside may know.' },
        ],
      },
      bearer(APP_KEY),
    );
    const [job] = ingest.body.jobs;
    await waitFor(async () => {
      const view = await http<{ state: string }>(
        app.url,
        'GET',
        `/v1/jobs/${job.id}`,
        undefined,
        bearer(ADMIN_KEY),
      );
      return view.body.state === 'completed';
    }, 'the ingest job to complete');
    await http(
      app.url,
      'POST',
      `/v1/collections/${COLLECTION}/search`,
      { query: 'acquisition' },
      bearer(APP_KEY),
    );
    // A sample taken after the upsert, so its batcher (named after the collection) is in it.
    await waitFor(async () => {
      const res = await adminPerformance();
      return Object.keys(res.body.batching).some((b) => b.startsWith('upsert:'));
    }, 'a monitor sample with the upsert batcher');
  }, 90_000);
  afterAll(() => app?.close());

  it('serves /metrics without a key, naming no collection, with every queue and dependency', async () => {
    const res = await http<string>(app.url, 'GET', '/metrics');
    expect(res.status).toBe(200);
    const text = String(res.body);
    expect(text).not.toContain(COLLECTION);
    for (const queue of ['ingest', 'search', 'reembed', 'tune', 'sources']) {
      expect(text).toMatch(
        new RegExp(`^ragline_queue_jobs\\{queue="${queue}",state="waiting"\\} \\d+$`, 'm'),
      );
      expect(text).toContain(`ragline_job_failures_total{queue="${queue}",final="true"}`);
    }
    expect(text).toMatch(/^ragline_dependency_ready\{dependency="redis"\} 1$/m);
    expect(text).toMatch(/^ragline_dependency_ready\{dependency="store"\} 1$/m);
    expect(text).toMatch(/^ragline_search_p95_target_seconds 0\.1$/m);
    expect(text).toMatch(/^ragline_rss_limit_bytes \d+$/m);
  });

  it.each([
    ['no key', {}],
    ['a key without the admin scope', bearer(APP_KEY)],
  ])('summarises performance for %s without naming a collection', async (_who, init) => {
    const res = await http<PerformanceReport>(
      app.url,
      'GET',
      '/v1/health/performance?history=20',
      undefined,
      init,
    );
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).not.toContain(COLLECTION);
    // The collection's upsert batcher, summed under its kind: one document of one chunk.
    expect(res.body.batching.upsert).toMatchObject({ avgBatchSize: 1 });
    expect(res.body.batching.upsert.target).toBeGreaterThan(0);
    expect(Object.keys(res.body.queues).sort()).toEqual([
      'ingest',
      'reembed',
      'search',
      'sources',
      'tune',
    ]);
  });

  it('gives the admin scope the per-collection detail', async () => {
    const res = await adminPerformance();
    expect(res.body.batching[`upsert:${COLLECTION}`]).toMatchObject({ avgBatchSize: 1 });
    expect(res.body.batching[`upsert:${COLLECTION}`].target).toBeGreaterThan(0);
  });
});
