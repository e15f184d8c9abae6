import { hashApiKey } from '../src/auth/api-keys';
import { http, RunningApp, startApp, tempDataDir, uniquePrefix } from './support/app-harness';

const ALICE = 'alice-key-for-rate-limit-tests';
const BOB = 'bob-key-for-rate-limit-tests';
const bearer = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });

interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

/** Sums a counter's samples matching `pattern` in a Prometheus exposition. */
function counter(exposition: string, pattern: RegExp): number {
  return exposition
    .split('\n')
    .filter((line) => pattern.test(line))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

describe('rate limits shared by two API processes (real apps, one Redis, real HTTP)', () => {
  const shared = {
    RAGLINE_ROLE: 'api',
    RAGLINE_QUEUE_PREFIX: uniquePrefix('ratelimit'),
    RAGLINE_DATA_DIR: tempDataDir('ratelimit'),
    RAGLINE_API_KEYS: `alice:search+ingest:${hashApiKey(ALICE)},bob:search:${hashApiKey(BOB)}`,
    // 4 requests per hour: nothing refills while the test runs, however slow the machine
    RAGLINE_RATE_LIMIT_SEARCH: '4',
    RAGLINE_RATE_LIMIT_WINDOW_SECONDS: '3600',
  };
  let a: RunningApp;
  let b: RunningApp;

  beforeAll(async () => {
    a = await startApp(shared);
    b = await startApp(shared);
  });

  afterAll(async () => {
    await b?.close({ keepData: true });
    await a?.close();
  });

  it('counts one key on one route across both processes, then answers 429 with Retry-After', async () => {
    const answers = [];
    for (let i = 0; i < 6; i++) {
      answers.push(
        await http<ErrorBody>(
          i % 2 ? b.url : a.url,
          'GET',
          '/v1/collections',
          undefined,
          bearer(ALICE),
        ),
      );
    }
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 429, 429]);
    expect(answers.map((r) => r.headers.get('ratelimit-remaining'))).toEqual([
      '3',
      '2',
      '1',
      '0',
      '0',
      '0',
    ]);
    expect(answers[0].headers.get('ratelimit-limit')).toBe('4');
    expect(answers[0].headers.get('ratelimit-policy')).toBe('4;w=3600');

    const refused = answers[4];
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    // one request per 900 s refills
    expect(retryAfter).toBeGreaterThan(800);
    expect(retryAfter).toBeLessThanOrEqual(900);
    expect(refused.body.error.code).toBe('rate_limited');
    expect(refused.body.error.message).toMatch(
      /at most 4 requests per 3600 s to GET \/v1\/collections for API key 'alice'; retry in \d+ s/,
    );

    // another route, and another key on this route, have budgets of their own
    const otherRoute = await http(a.url, 'GET', '/v1/collections/none', undefined, bearer(ALICE));
    expect(otherRoute.status).toBe(404);
    expect((await http(b.url, 'GET', '/v1/collections', undefined, bearer(BOB))).status).toBe(200);

    const metrics = await Promise.all(
      [a, b].map((app) => http<string>(app.url, 'GET', '/metrics')),
    );
    const limited = metrics.map((m) =>
      counter(m.body, /^ragline_rate_limited_total\{class="search"\}/),
    );
    expect(limited[0] + limited[1]).toBe(2);
  });

  it('never limits health and metrics', async () => {
    for (let i = 0; i < 10; i++) {
      expect((await http(a.url, 'GET', '/v1/health')).status).toBe(200);
      expect((await http(a.url, 'GET', '/metrics')).status).toBe(200);
    }
    const ready = await http(a.url, 'GET', '/v1/health/ready');
    expect(ready.headers.get('ratelimit-limit')).toBeNull();
  });
});

describe('rate limits in open mode (no keys): by client address', () => {
  let app: RunningApp;

  beforeAll(async () => {
    app = await startApp({
      RAGLINE_ROLE: 'api',
      RAGLINE_RATE_LIMIT_INGEST: '2',
      RAGLINE_RATE_LIMIT_SEARCH: '0',
      RAGLINE_RATE_LIMIT_WINDOW_SECONDS: '3600',
    });
  });
  afterAll(() => app?.close());

  it('limits ingest routes per client and leaves a class set to 0 unlimited', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await http(app.url, 'PUT', `/v1/collections/c${i}`, {})).status);
    expect(statuses).toEqual([201, 201, 429]);
    for (let i = 0; i < 10; i++) {
      const res = await http(app.url, 'GET', '/v1/collections');
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-limit')).toBeNull();
    }
  });
});
