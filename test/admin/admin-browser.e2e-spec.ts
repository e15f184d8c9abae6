import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { hashApiKey } from '../../src/auth/api-keys';
import { IngestProducerService } from '../../src/ingest/ingest-producer.service';
import type { PerformanceReport } from '../../src/monitor/performance-report';
import { http, RunningApp, startApp } from '../support/app-harness';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'admin');
const ADMIN_KEY = 'browser-admin-key';
const auth = { authorization: `Bearer ${ADMIN_KEY}` };

if (!HAVE_CHROMIUM) {
  console.warn(
    `SKIPPED admin browser tests: no Chromium at ${CHROMIUM} (install it with ` +
      '`apt-get update && apt-get install -y chromium`, or set CHROMIUM_PATH)',
  );
}
const describeBrowser = HAVE_CHROMIUM ? describe : describe.skip;

const DOCS = [
  {
    id: 'redis',
    text: 'Redis is an in-memory data store used as a cache, a message broker and a queue backend. BullMQ keeps its jobs in Redis lists and sorted sets.',
  },
  {
    id: 'lancedb',
    text: 'LanceDB is an embedded vector database. It keeps vectors on disk, builds HNSW indexes and answers hybrid searches that fuse dense vectors with BM25.',
  },
  {
    id: 'fastify',
    text: 'Fastify is a fast web framework for Node.js with a plugin system, schema based validation and hooks for every stage of a request.',
  },
];
const QUERIES = [
  'vector database on disk',
  'in-memory cache',
  'web framework hooks',
  'queue backend',
];

/** What the page exposes on window.__ragline, as read by the tests. */
interface ChartProbe {
  name: string;
  points: number;
  series: { label: string; values: number }[];
}

async function until<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describeBrowser('admin pages in headless Chromium (real app, traffic, queues)', () => {
  let app: RunningApp;
  let browser: Browser;
  let failedJobId: string;
  let completedJobIds: string[];
  /** Every request a page tried to send anywhere but the app (aborted, and a failure). */
  const outside: string[] = [];

  /** A browser context that signs in with HTTP Basic when challenged, and never leaves the app. */
  async function newContext(withCredentials: boolean): Promise<BrowserContext> {
    const context = await browser.newContext({
      viewport: { width: 1440, height: 1000 },
      ...(withCredentials ? { httpCredentials: { username: 'ops', password: ADMIN_KEY } } : {}),
    });
    // Nothing may leave the app (it must work offline): such requests are recorded and aborted.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (new URL(url).origin === app.url) return route.continue();
      outside.push(url);
      return route.abort();
    });
    return context;
  }

  /** Polls GET /v1/jobs/:id (with the key) until every job has completed or failed. */
  function finalStates(ids: string[]): Promise<string[]> {
    return until(
      'jobs to finish',
      async () => {
        const views = await Promise.all(
          ids.map((id) =>
            http<{ state: string }>(app.url, 'GET', `/v1/jobs/${id}`, undefined, { headers: auth }),
          ),
        );
        const states = views.map((v) => v.body.state);
        return states.every((s) => s === 'completed' || s === 'failed') ? states : null;
      },
      60_000,
    );
  }

  function collectProblems(page: Page): string[] {
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    return problems;
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    app = await startApp({
      RAGLINE_API_KEYS: `ops:admin:${hashApiKey(ADMIN_KEY)}`,
      RAGLINE_MONITOR_INTERVAL_MS: '500',
      // A target no search meets, so the optimizer acts and the page has markers to draw.
      RAGLINE_SEARCH_P95_TARGET_MS: '1',
      RAGLINE_OPTIMIZER_COOLDOWN_MS: '500',
    });
    const created = await http(app.url, 'PUT', '/v1/collections/kb', {}, { headers: auth });
    expect(created.status).toBe(201);
    const ingest = await http<{ jobs: { id: string }[] }>(
      app.url,
      'POST',
      '/v1/collections/kb/documents',
      { documents: DOCS },
      { headers: auth },
    );
    expect(ingest.status).toBe(202);

    // A job that fails for real: the producer enqueues for a collection that is gone by the
    // time the worker runs it (the race a DELETE during ingest can cause), made deterministic
    // by never creating it. The worker refuses it with an UnrecoverableError.
    const [orphan] = await app.app
      .get(IngestProducerService)
      .ingest('ghost', [{ id: 'orphan', text: 'A document whose collection is gone.' }]);
    failedJobId = orphan.id;
    completedJobIds = ingest.body.jobs.map((j) => j.id);
    const states = await finalStates([...ingest.body.jobs.map((j) => j.id), failedJobId]);
    expect(states).toEqual(['completed', 'completed', 'completed', 'failed']);

    // Searches over a few seconds, with repeats so both cache misses and L1 hits show.
    for (let round = 0; round < 6; round++) {
      await Promise.all(
        QUERIES.map((query) =>
          http(
            app.url,
            'POST',
            '/v1/collections/kb/search',
            { query, limit: 3 },
            { headers: auth },
          ),
        ),
      );
      await new Promise((r) => setTimeout(r, 300));
    }
    await until('samples with searches and an optimizer action', async () => {
      const res = await http<PerformanceReport>(
        app.url,
        'GET',
        '/v1/health/performance?history=20',
      );
      const withSearches = (res.body.history ?? []).filter((s) => s.search.count > 0);
      return withSearches.length >= 3 && res.body.actions.length > 0;
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  afterEach(() => {
    expect(outside.splice(0)).toEqual([]);
  });

  it('draws live charts of the real traffic, with optimizer markers, and runs a search', async () => {
    const context = await newContext(true);
    const page = await context.newPage();
    const problems = collectProblems(page);
    const response = await page.goto(`${app.url}/admin`);
    expect(response?.status()).toBe(200);

    await page.waitForFunction(() => {
      const s = (globalThis as unknown as { __ragline?: { ready?: boolean; charts: object } })
        .__ragline;
      return !!s?.ready && Object.keys(s.charts).length === 6;
    });
    expect(await page.locator('.chart canvas').count()).toBe(6);

    const probe = () =>
      page.evaluate(() => {
        interface Chart {
          data: (number | null)[][];
          series: { label?: string }[];
        }
        const s = (globalThis as unknown as { __ragline: { charts: Record<string, Chart> } })
          .__ragline;
        return Object.entries(s.charts).map(([name, chart]) => ({
          name,
          points: chart.data[0].length,
          series: chart.series.slice(1).map((ser, i) => ({
            label: String(ser.label),
            values: chart.data[i + 1].filter((v) => v !== null).length,
          })),
        }));
      });
    const charts: ChartProbe[] = await probe();
    const byName = Object.fromEntries(charts.map((c) => [c.name, c]));
    expect(Object.keys(byName).sort()).toEqual(
      ['batches', 'cache', 'latency', 'process', 'queues', 'throughput'].sort(),
    );
    for (const chart of charts) expect(chart.points).toBeGreaterThan(1);
    const values = (chart: string, label: string) =>
      byName[chart].series.find((s) => s.label === label)?.values ?? 0;
    expect(values('latency', 'p95')).toBeGreaterThan(1);
    expect(values('throughput', 'requests')).toBeGreaterThan(1);
    expect(values('cache', 'L1 (in-process)')).toBeGreaterThan(1);
    expect(values('queues', 'ingest waiting')).toBeGreaterThan(1);
    expect(byName.batches.series.map((s) => s.label)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^embed:/)]),
    );
    expect(values('process', 'CPU')).toBeGreaterThan(1);

    // The header says how the service is, the actions list matches the markers.
    await expect(page.locator('#status-text').textContent()).resolves.toMatch(
      /^(healthy|degraded)$/,
    );
    const actions = await page.locator('#actions .action').count();
    expect(actions).toBeGreaterThan(0);
    await expect(page.locator('#actions').textContent()).resolves.toMatch(/search-(ef|latency)/);
    await expect(page.locator('[data-kpi="failed"] .kpi-value').textContent()).resolves.toBe('1');
    // Every queue, the tune queue included, with its link into Bull Board.
    await expect(page.locator('#queue-rows tr td:first-child').allTextContents()).resolves.toEqual([
      'ingest',
      'reembed',
      'search',
      'sources',
      'tune',
    ]);
    await expect(
      page.locator('#queue-rows a', { hasText: 'tune' }).getAttribute('href'),
    ).resolves.toBe('/admin/queues/queue/tune');

    // It keeps updating: new samples arrive by polling.
    const before = byName.latency.points;
    await page.waitForFunction(
      (n) =>
        (globalThis as unknown as { __ragline: { samples: unknown[] } }).__ragline.samples.length >
        n,
      before,
      { timeout: 10_000 },
    );

    // "Try it": a real search through the page's API, with hits and the time breakdown.
    await page.locator('#search-collection option[value="kb"]').waitFor({ state: 'attached' });
    await page.selectOption('#search-collection', 'kb');
    await page.fill('#search-query', 'vector database hybrid search');
    await page.click('#search-run');
    await page.locator('ol.hits li').first().waitFor();
    await expect(page.locator('ol.hits li .hit-doc').first().textContent()).resolves.toMatch(
      /^lancedb/,
    );
    await expect(page.locator('.took .tier').textContent()).resolves.toMatch(/miss|l1|l2/);
    await expect(page.locator('.took-total').textContent()).resolves.toMatch(/\d ms$/);
    expect(await page.locator('.took-legend').first().textContent()).toMatch(/embed .* ms/);

    await page.screenshot({ path: join(ARTIFACTS, 'admin-page.png'), fullPage: true });
    expect(problems).toEqual([]);
    await context.close();
  });

  /** A page of a context without stored credentials, for URLs that carry them (user:key@). */
  async function pageForCredentialsInUrl() {
    const context = await newContext(false);
    const page = await context.newPage();
    const withCredentials = app.url.replace('http://', `http://ops:${ADMIN_KEY}@`);
    return { context, page, problems: collectProblems(page), withCredentials };
  }

  it('works from a URL with the credentials in it (http://user:key@host/admin)', async () => {
    const { context, page, problems, withCredentials } = await pageForCredentialsInUrl();
    const response = await page.goto(`${withCredentials}/admin`);
    expect(response?.status()).toBe(200);
    await page.waitForFunction(
      () => !!(globalThis as unknown as { __ragline?: { ready?: boolean } }).__ragline?.ready,
    );
    // The page's own requests reached the API: the status, the queues and the collections.
    await expect(page.locator('#status-text').textContent()).resolves.toMatch(
      /^(healthy|degraded)$/,
    );
    await expect(page.locator('#queue-rows tr').count()).resolves.toBe(5);
    await page.locator('#search-collection option[value="kb"]').waitFor({ state: 'attached' });
    expect(problems).toEqual([]);
    await context.close();
  });

  it('opens Bull Board from a URL with the credentials in it', async () => {
    const { context, page, problems, withCredentials } = await pageForCredentialsInUrl();
    // The board fetch()es its locale file; a URL resolved against a base with credentials in
    // it is refused before any request, and the board waits for the locale to time out.
    const locale = page.waitForResponse((r) => r.url().endsWith('/locales/en-US/messages.json'), {
      timeout: 8000,
    });
    expect((await page.goto(`${withCredentials}/admin/queues`))?.status()).toBe(200);
    expect((await locale).status()).toBe(200);
    await page.locator('nav, aside').first().getByText('tune', { exact: true }).waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });

  it('serves the API docs (/docs) without a request beyond this server', async () => {
    const context = await newContext(true);
    const page = await context.newPage();
    expect((await page.goto(`${app.url}/docs`))?.status()).toBe(200);
    await page.getByText('/v1/collections/{name}/documents').first().waitFor();
    await page.waitForLoadState('networkidle');
    await context.close();
  });

  it('lists every queue in Bull Board, with its fonts from this server and completed jobs at 100%', async () => {
    const context = await newContext(true);
    const page = await context.newPage();
    const stylesheets: { url: string; status: number }[] = [];
    page.on('response', (r) => {
      if (r.request().resourceType() === 'stylesheet') {
        stylesheets.push({ url: r.url(), status: r.status() });
      }
    });
    const overview = await page.goto(`${app.url}/admin/queues`);
    expect(overview?.status()).toBe(200);
    const sidebar = page.locator('nav, aside').first();
    for (const queue of ['ingest', 'search', 'reembed', 'tune']) {
      await sidebar.getByText(queue, { exact: true }).waitFor();
    }
    expect(stylesheets).toContainEqual({
      url: `${app.url}/admin/assets/bull-board-fonts.css`,
      status: 200,
    });
    await page.screenshot({ path: join(ARTIFACTS, 'bull-board-overview.png'), fullPage: true });

    // The completed list, and the progress the board shows for each of its jobs.
    const listed = page.waitForResponse(
      (r) => r.url().includes('/admin/queues/api/queues') && r.url().includes('status=completed'),
    );
    await page.goto(`${app.url}/admin/queues/queue/ingest?status=completed`);
    const board = (await (await listed).json()) as {
      queues: { name: string; jobs: { id: string; progress: unknown }[] }[];
    };
    const jobs = board.queues.find((q) => q.name === 'ingest')?.jobs ?? [];
    const progress = Object.fromEntries(jobs.map((j) => [j.id, j.progress]));
    for (const id of completedJobIds)
      expect({ id, progress: progress[id] }).toEqual({ id, progress: 100 });
    await page.getByText(completedJobIds[0]).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'bull-board-completed.png'), fullPage: true });
    await context.close();
  });

  it('shows the failed job in Bull Board with its reason, and retries it', async () => {
    const context = await newContext(true);
    const page = await context.newPage();

    await page.goto(`${app.url}/admin/queues/queue/ingest?status=failed`);
    await page.getByText(failedJobId).waitFor();
    await page.getByText("collection 'ghost' does not exist").first().waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'bull-board-failed-job.png'), fullPage: true });

    // Fix the cause, then retry from the board: its PUT must pass the app's body parser.
    const created = await http(app.url, 'PUT', '/v1/collections/ghost', {}, { headers: auth });
    expect(created.status).toBe(201);
    const retried = page.waitForResponse(
      (r) => r.request().method() === 'PUT' && r.url().endsWith(`/${failedJobId}/retry`),
    );
    await page.locator('[class*="jobActions-"] li').first().locator('button').click();
    await page.getByRole('button', { name: 'Confirm' }).click();
    expect((await retried).status()).toBe(204);
    expect(await finalStates([failedJobId])).toEqual(['completed']);
    await context.close();
  });

  it('answers 401 with a Basic challenge to a browser without credentials', async () => {
    const context = await newContext(false);
    const page = await context.newPage();
    for (const path of ['/admin', '/admin/queues']) {
      const answered = page.waitForResponse((r) => r.url() === `${app.url}${path}`);
      // Headless Chromium cannot show the sign-in prompt a Basic challenge asks for, so the
      // navigation itself ends with ERR_INVALID_AUTH_CREDENTIALS; the response is what counts.
      const navigation = page.goto(`${app.url}${path}`).catch((e: Error) => e);
      const res = await answered;
      expect({ path, status: res.status() }).toEqual({ path, status: 401 });
      expect(await res.headerValue('www-authenticate')).toMatch(/^Basic realm="ragline admin"/);
      expect(String(await navigation)).toMatch(/ERR_INVALID_AUTH_CREDENTIALS|401/);
    }
    await context.close();
  });
});
