import { hashApiKey } from '../../src/auth/api-keys';
import { http, RunningApp, startApp } from '../support/app-harness';

const ADMIN_KEY = 'admin-key-for-tests';
const SEARCH_KEY = 'search-key-for-tests';
const basic = (password: string, user = 'operator') =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** Every kind of admin route: the page, its assets and JSON, Bull Board's page, API and statics. */
const ADMIN_PATHS = [
  '/admin',
  '/admin/assets/admin.js',
  '/admin/assets/uPlot.iife.min.js',
  '/admin/api/config',
  '/admin/api/performance?history=5',
  '/admin/api/collections',
  '/admin/queues',
  '/admin/queues/queue/ingest',
  '/admin/queues/api/queues',
  '/admin/queues/static/favicon-32x32.png',
];

interface BoardQueue {
  name: string;
  isPaused: boolean;
  jobs: { id: string }[];
  readOnlyMode: boolean;
  allowRetries: boolean;
  counts: Record<string, number>;
}

describe('admin surface with API keys (real app, real HTTP)', () => {
  let app: RunningApp;

  beforeAll(async () => {
    app = await startApp({
      RAGLINE_ROLE: 'api',
      RAGLINE_API_KEYS: `ops:admin:${hashApiKey(ADMIN_KEY)},app:search+ingest:${hashApiKey(SEARCH_KEY)}`,
    });
  });
  afterAll(() => app?.close());

  it('answers 401 with a Basic challenge on every admin route when no key is sent', async () => {
    for (const path of ADMIN_PATHS) {
      const res = await http<{ error: { code: string } }>(app.url, 'GET', path);
      expect({ path, status: res.status }).toEqual({ path, status: 401 });
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="ragline admin"/);
      expect(res.body.error.code).toBe('unauthorized');
    }
  });

  it('answers 401 to a wrong key and 403 to a key without the admin scope', async () => {
    const wrong = await http(app.url, 'GET', '/admin/queues', undefined, {
      headers: { authorization: basic('not-a-key') },
    });
    expect(wrong.status).toBe(401);
    for (const path of ['/admin', '/admin/queues/api/queues']) {
      const res = await http<{ error: { message: string } }>(app.url, 'GET', path, undefined, {
        headers: { authorization: basic(SEARCH_KEY) },
      });
      expect(res.status).toBe(403);
      expect(res.body.error.message).toMatch(/lacks the 'admin' scope/);
    }
  });

  it('lets a search key read jobs by id in bulk, but list jobs by state only with the admin key', async () => {
    const bearer = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });
    const byIds = await http<{ jobs: { state: string }[] }>(
      app.url,
      'GET',
      '/v1/jobs?ids=missing-1,missing-2',
      undefined,
      bearer(SEARCH_KEY),
    );
    expect(byIds.status).toBe(200);
    expect(byIds.body.jobs.map((j) => j.state)).toEqual(['unknown', 'unknown']);
    const listed = await http(
      app.url,
      'GET',
      '/v1/jobs?state=failed',
      undefined,
      bearer(SEARCH_KEY),
    );
    expect(listed.status).toBe(403);
    const asAdmin = await http(
      app.url,
      'GET',
      '/v1/jobs?state=failed',
      undefined,
      bearer(ADMIN_KEY),
    );
    expect(asAdmin.status).toBe(200);
  });

  it('serves every admin route to the admin key, as Basic password or Bearer token', async () => {
    for (const authorization of [basic(ADMIN_KEY), basic(ADMIN_KEY, ''), `Bearer ${ADMIN_KEY}`]) {
      for (const path of ADMIN_PATHS) {
        const res = await http(app.url, 'GET', path, undefined, { headers: { authorization } });
        expect({ path, status: res.status }).toEqual({ path, status: 200 });
      }
    }
  });

  it('passes the caller key to the /v1 API for the page (collections and searches)', async () => {
    const headers = { authorization: basic(ADMIN_KEY) };
    await http(app.url, 'PUT', '/v1/collections/docs', {}, { headers });
    const list = await http<{ collections: { name: string }[] }>(
      app.url,
      'GET',
      '/admin/api/collections',
      undefined,
      { headers },
    );
    expect(list.body.collections.map((c) => c.name)).toContain('docs');
    // The public API's own validation answers, unchanged.
    const invalid = await http<{ error: { message: string } }>(
      app.url,
      'POST',
      '/admin/api/collections/docs/search',
      { limit: 3 },
      { headers },
    );
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.message).toMatch(/query/);
    const missing = await http(
      app.url,
      'POST',
      '/admin/api/collections/nope/search',
      {
        query: 'x',
      },
      { headers },
    );
    expect(missing.status).toBe(404);
  });

  it('lets Bull Board change queues through its JSON and body-less endpoints', async () => {
    const headers = { authorization: `Bearer ${ADMIN_KEY}` };
    const pause = await http(app.url, 'PUT', '/admin/queues/api/queues/search/pause', undefined, {
      headers,
    });
    expect([200, 204]).toContain(pause.status);
    const added = await http<{ job: { id: string } }>(
      app.url,
      'POST',
      '/admin/queues/api/queues/search/add',
      { name: 'probe', data: { note: 'added from the board' }, options: {} },
      { headers },
    );
    expect(added.status).toBe(200);
    const board = await http<{ queues: BoardQueue[] }>(
      app.url,
      'GET',
      '/admin/queues/api/queues?activeQueue=search&status=waiting',
      undefined,
      { headers },
    );
    const search = board.body.queues.find((q) => q.name === 'search');
    expect(search).toMatchObject({ isPaused: true, readOnlyMode: false });
    expect(search?.jobs.map((j) => j.id)).toContain(added.body.job.id);
    const resume = await http(app.url, 'PUT', '/admin/queues/api/queues/search/resume', undefined, {
      headers,
    });
    expect([200, 204]).toContain(resume.status);
    const removed = await http(
      app.url,
      'PUT',
      `/admin/queues/api/queues/search/${added.body.job.id}/clean`,
      undefined,
      { headers },
    );
    expect([200, 204]).toContain(removed.status);
  });

  it('leaves the /v1 API with its own Bearer challenge', async () => {
    const res = await http(app.url, 'GET', '/v1/collections');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });
});

describe('admin surface in open mode, read-only (real app, real HTTP)', () => {
  let app: RunningApp;

  beforeAll(async () => {
    app = await startApp({
      RAGLINE_ROLE: 'api',
      RAGLINE_ADMIN_READ_ONLY: 'true',
      RAGLINE_ADMIN_POLL_MS: '12000',
    });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('serves the pages without credentials when no keys are configured', async () => {
    for (const path of ['/admin', '/admin/queues', '/admin/api/performance']) {
      expect((await http(app.url, 'GET', path)).status).toBe(200);
    }
    const config = await http<{ auth: string; readOnly: boolean }>(
      app.url,
      'GET',
      '/admin/api/config',
    );
    expect(config.body).toMatchObject({ auth: 'open', readOnly: true });
    const slash = await fetch(`${app.url}/admin/`, { redirect: 'manual' });
    expect(slash.status).toBe(302);
    expect(slash.headers.get('location')).toBe('/admin');
  });

  it('shows both queues read-only and refuses changes with 405', async () => {
    const board = await http<{ queues: BoardQueue[] }>(app.url, 'GET', '/admin/queues/api/queues');
    expect(board.body.queues.map((q) => q.name).sort()).toEqual([
      'ingest',
      'reembed',
      'search',
      'sources',
      'tune',
    ]);
    for (const q of board.body.queues) {
      expect(q).toMatchObject({ readOnlyMode: true, allowRetries: false });
    }
    for (const path of [
      '/admin/queues/api/queues/ingest/pause',
      '/admin/queues/api/queues/ingest/retry/failed',
      '/admin/queues/api/queues/ingest/some-job/retry',
    ]) {
      expect({ path, status: (await http(app.url, 'PUT', path)).status }).toEqual({
        path,
        status: 405,
      });
    }
  });

  it("sets Bull Board's polling interval from RAGLINE_ADMIN_POLL_MS (in seconds) and labels it", async () => {
    const page = await http<string>(app.url, 'GET', '/admin/queues');
    const match = /<script id="__UI_CONFIG__" type="application\/json">([\s\S]*?)<\/script>/.exec(
      page.body,
    );
    const ui = JSON.parse(match?.[1] ?? '{}') as {
      pollingInterval?: { forceInterval?: number };
      environment?: { label?: string };
    };
    expect(ui.pollingInterval?.forceInterval).toBe(12);
    expect(ui.environment?.label).toBe('read-only');
  });
});
