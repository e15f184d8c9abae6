import type { PerformanceReport } from '../../src/client';
import { loadFigures, passed, renderSummary, RunSummary, serverView } from './summary';

/** The aggregate of a real artillery 2.0.21 report (search-steady, 5 s at 5/s), trimmed. */
const aggregate = {
  counters: {
    'vusers.created': 26,
    'http.requests': 26,
    'http.codes.200': 24,
    'http.codes.504': 1,
    'http.responses': 25,
    'plugins.metrics-by-endpoint.search.codes.200': 24,
    'plugins.metrics-by-endpoint.search.codes.504': 1,
    'ragline.search.responses': 24,
    'ragline.search.miss': 18,
    'ragline.search.l1': 5,
    'ragline.search.l2': 1,
    'ragline.search.hit': 6,
    'errors.HTTP_504': 1,
    'errors.ECONNRESET': 1,
    'vusers.failed': 2,
    'vusers.completed': 24,
  },
  rates: { 'http.request_rate': 5 },
  summaries: {
    'http.response_time': { min: 0, max: 346, p50: 125.2, p95: 295.9, p99: 301.9 },
    'plugins.metrics-by-endpoint.response_time.search': {
      min: 0,
      max: 346,
      p50: 125.2,
      p95: 295.9,
      p99: 301.94,
    },
    'plugins.metrics-by-endpoint.server-timing.search': { p50: 122.7, p95: 290.1 },
  },
};

describe('loadFigures', () => {
  const figures = loadFigures(aggregate, { meanRate: 5, seconds: 5 });

  it('reads offered and achieved load, and failures by code', () => {
    expect(figures).toMatchObject({
      offeredRate: 5,
      seconds: 5,
      arrivals: 26,
      requests: 26,
      responses: 25,
      achievedRate: 5,
      failedRate: 0.0769,
      skipped: 0,
      errors: { HTTP_504: 1, ECONNRESET: 1 },
    });
  });

  it('gives each named endpoint its percentiles, codes and server-side time', () => {
    expect(figures.endpoints).toEqual([
      {
        name: 'search',
        requests: 25,
        codes: { '200': 24, '504': 1 },
        p50: 125.2,
        p95: 295.9,
        p99: 301.9,
        max: 346,
        serverP50: 122.7,
        serverP95: 290.1,
      },
    ]);
  });

  it('counts answered searches by cache tier', () => {
    expect(figures.cache).toEqual({ l1: 5, l2: 1, miss: 18, hitRate: 0.25 });
  });

  it('has no cache figures when no search was answered', () => {
    const none = loadFigures(
      { counters: { 'vusers.created': 1 }, summaries: {} },
      { meanRate: 1, seconds: 1 },
    );
    expect(none.cache).toBeUndefined();
    expect(none.endpoints).toEqual([]);
    expect(none.failedRate).toBe(0);
  });
});

describe('passed', () => {
  it('needs exit code 0 and every check ok, and at least one check', () => {
    const ok = { check: 'a < 1', ok: true };
    const failed = { check: 'b < 1', ok: false };
    expect(passed(0, [ok])).toBe(true);
    expect(passed(0, [ok, failed])).toBe(false);
    expect(passed(1, [ok])).toBe(false);
    expect(passed(0, [])).toBe(false);
  });
});

describe('serverView', () => {
  it('keeps the optimizer actions taken since the run began, oldest first', () => {
    const report = {
      status: 'degraded',
      reasons: ['search p95 913 ms > target 100 ms'],
      window: { seconds: 60, samples: 12 },
      latency: { search: { p50Ms: 1, p95Ms: 2, p99Ms: 3, count: 9 } },
      cache: { hitRate: 0.5 },
      batching: {},
      actions: [
        {
          at: '2026-01-01T00:00:30Z',
          rule: 'search-ef',
          change: 'searchEf 51 -> 40',
          reason: 'r2',
        },
        {
          at: '2026-01-01T00:00:20Z',
          rule: 'search-ef',
          change: 'searchEf 64 -> 51',
          reason: 'r1',
        },
        { at: '2026-01-01T00:00:05Z', rule: 'old', change: 'before the run', reason: 'r0' },
      ],
    } as unknown as PerformanceReport;

    const view = serverView(report, new Date('2026-01-01T00:00:10Z'));

    expect(view.actions.map((a) => a.change)).toEqual(['searchEf 64 -> 51', 'searchEf 51 -> 40']);
    expect(view.cacheHitRate).toBe(0.5);
    expect(view.searchLatency).toEqual({ p50Ms: 1, p95Ms: 2, p99Ms: 3 });
  });
});

describe('renderSummary', () => {
  it('shows the verdict, the load, the endpoints table, the checks and the CPU', () => {
    const summary: RunSummary = {
      scenario: 'search-steady',
      startedAt: '2026-01-01T00:00:00.000Z',
      machine: { cores: 2, cpu: 'x', memoryGiB: 8, node: 'v20.20.2' },
      corpus: { seeded: 'cisi', documents: 100, chunks: 236, seedSeconds: 30 },
      phases: [{ name: 'steady', duration: 5, arrivalRate: 5 }],
      load: loadFigures(aggregate, { meanRate: 5, seconds: 5 }),
      expectedHitRate: 0.24,
      checks: [
        { check: 'vusers.failed / vusers.created <= 0', ok: false },
        { check: 'plugins.metrics-by-endpoint.response_time.search.p95 < 50', ok: false },
      ],
      passed: false,
      cpu: { loadGenerator: { seconds: 1.5, wallSeconds: 6, percent: 25 } },
      notes: ['a note'],
    };

    const text = renderSummary(summary);

    expect(text).toContain('# search-steady: FAILED');
    expect(text).toContain('offered 5/s, achieved 5 answers/s');
    expect(text).toContain('failed: 7.7% (HTTP_504: 1, ECONNRESET: 1)');
    expect(text).toContain('hit rate 25% (l1 5, l2 1, miss 18)');
    expect(text).toContain('would reach 24% on this mix');
    expect(text).toContain(
      '| search | 25 | 125.2 | 295.9 | 301.9 | 346 | 122.7 / 290.1 | 200: 24, 504: 1 |',
    );
    expect(text).toContain('- FAIL: `vusers.failed / vusers.created <= 0`');
    expect(text).toContain('1.5 CPU s over 6 s (25% of one core)');
    expect(text).toContain('- a note');
  });
});
