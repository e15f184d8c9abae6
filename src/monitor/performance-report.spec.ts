import { historySamplesFromQuery } from './history-query';
import {
  buildPerformanceReport,
  type ActionRecord,
  type HealthThresholds,
} from './performance-report';
import { batcher, jobs, latency, processSample, queue, sample } from './testing/sample-builder';

const thresholds: HealthThresholds = {
  searchP95TargetMs: 200,
  minSamples: 20,
  eventLoopP99LimitMs: 100,
  rssLimitBytes: 1e9,
};

const action: ActionRecord = {
  at: '2024-01-01T00:00:00.000Z',
  rule: 'search-latency',
  change: 'searchConcurrency 2 -> 3',
  reason: 'slow',
  source: 'local',
  origin: 'host-1',
};

function busySample(at: number) {
  return sample({
    at,
    queues: {
      ingest: queue(7, { active: 2, failed: 1, delayed: 3, completed: 40 }),
      search: queue(0),
    },
    jobs: { ingest: jobs(1000, 2000, 120) },
    http: latency(40, 600),
    search: latency(120, 300),
    cache: { l1Hits: 150, l2Hits: 60, misses: 90, l1HitRate: 0.5, l2HitRate: 0.2, hitRate: 0.7 },
    batchers: { 'embed:use-lite': batcher('embed', 900, 32) },
    process: processSample({ eventLoopP99Ms: 15.123, cpuPercent: 55.5555 }),
    tunables: { searchConcurrency: 3 },
  });
}

describe('buildPerformanceReport', () => {
  const history = [busySample(0), busySample(5_000), busySample(65_000), busySample(70_000)];
  const latest = history[history.length - 1];

  it("answers docs/API.md's shape", () => {
    const report = buildPerformanceReport({
      latest,
      history,
      actions: [action],
      thresholds,
      ingestQueue: 'ingest',
    });
    expect(Object.keys(report).sort()).toEqual(
      [
        'actions',
        'batching',
        'cache',
        'latency',
        'process',
        'queues',
        'reasons',
        'sampledAt',
        'status',
        'throughput',
        'tunables',
        'window',
      ].sort(),
    );
    expect(report.status).toBe('healthy');
    expect(report.reasons).toEqual([]);
    expect(report.sampledAt).toBe('1970-01-01T00:01:10.000Z');
    // Samples at 5 s and 0 s are more than 60 s older than the latest.
    expect(report.window).toEqual({ seconds: 60, samples: 2 });
    expect(report.latency.search).toEqual({ p50Ms: 60, p95Ms: 120, p99Ms: 144, count: 300 });
    expect(Object.keys(report.latency.http).sort()).toEqual(['count', 'p50Ms', 'p95Ms', 'p99Ms']);
    expect(report.throughput).toEqual({
      requestsPerSec: 10,
      searchesPerSec: 5,
      ingestJobsPerSec: 2,
    });
    expect(report.cache).toEqual({ l1HitRate: 0.5, l2HitRate: 0.2, hitRate: 0.7 });
    expect(report.queues).toEqual({
      ingest: { waiting: 7, active: 2, failed: 1, delayed: 3 },
      search: { waiting: 0, active: 0, failed: 0, delayed: 0 },
    });
    expect(report.batching).toEqual({
      'embed:use-lite': { target: 32, avgBatchSize: 32, p95Ms: 900, itemsPerSec: 100 },
    });
    expect(report.actions).toEqual([action]);
    expect(report.process).toEqual({
      eventLoopP99Ms: 15.12,
      rssBytes: latest.process.rssBytes,
      heapUsedBytes: latest.process.heapUsedBytes,
      cpuPercent: 55.556,
    });
    expect(report.tunables).toEqual({ searchConcurrency: 3 });
    expect(report.history).toBeUndefined();
    // Survives JSON unchanged (no Maps, no undefined-only fields that matter).
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('is degraded, with reasons, when search p95 or the event loop is over its limit', () => {
    const slow = { ...latest, search: latency(450, 100) };
    const r1 = buildPerformanceReport({
      latest: slow,
      history,
      actions: [],
      thresholds,
      ingestQueue: 'ingest',
    });
    expect(r1.status).toBe('degraded');
    expect(r1.reasons).toEqual(['search p95 450 ms > target 200 ms']);

    const blocked = { ...latest, process: processSample({ eventLoopP99Ms: 250 }) };
    const r2 = buildPerformanceReport({
      latest: blocked,
      history,
      actions: [],
      thresholds,
      ingestQueue: 'ingest',
    });
    expect(r2.status).toBe('degraded');
    expect(r2.reasons[0]).toMatch(/event-loop delay p99 250 ms > limit 100 ms/);
  });

  it('does not call a handful of slow searches degraded', () => {
    const few = { ...latest, search: latency(900, 5) };
    expect(
      buildPerformanceReport({
        latest: few,
        history,
        actions: [],
        thresholds,
        ingestQueue: 'ingest',
      }).status,
    ).toBe('healthy');
  });

  it('includes the latest samples on request', () => {
    const report = buildPerformanceReport({
      latest,
      history,
      actions: [],
      thresholds,
      ingestQueue: 'ingest',
      historySamples: 3,
    });
    expect(report.history?.map((s) => s.at)).toEqual([5_000, 65_000, 70_000]);
  });
});

describe('historySamplesFromQuery', () => {
  it('reads ?history=1 as all kept samples and ?history=n as the latest n', () => {
    expect(historySamplesFromQuery(undefined, 720)).toBe(0);
    expect(historySamplesFromQuery('0', 720)).toBe(0);
    expect(historySamplesFromQuery('1', 720)).toBe(720);
    expect(historySamplesFromQuery('true', 5)).toBe(5);
    expect(historySamplesFromQuery('30', 720)).toBe(30);
    expect(historySamplesFromQuery('9999', 720)).toBe(720);
    expect(historySamplesFromQuery('abc', 720)).toBe(0);
  });
});
