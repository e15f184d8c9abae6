import { buildPerformanceReport } from './performance-report';
import { withoutCollectionNames } from './public-report';
import { batcher, sample } from './testing/sample-builder';

function reportWith(batchers: ReturnType<typeof sample>['batchers']) {
  const latest = sample({ at: 10_000, batchers });
  return buildPerformanceReport({
    latest,
    history: [latest],
    actions: [],
    thresholds: {
      searchP95TargetMs: 100,
      minSamples: 20,
      eventLoopP99LimitMs: 200,
      rssLimitBytes: 1e9,
    },
    ingestQueue: 'ingest',
    historySamples: 1,
  });
}

describe('withoutCollectionNames', () => {
  const report = reportWith({
    'embed:use-lite': batcher('embed', 80, 32),
    'upsert:customer-acme': { ...batcher('upsert', 12, 64), itemsPerSec: 300, avgBatchSize: 60 },
    'upsert:internal-hr': { ...batcher('upsert', 30, 16), itemsPerSec: 100, avgBatchSize: 10 },
  });
  const open = withoutCollectionNames(report);

  it('names no collection, in the summary or in the history', () => {
    const text = JSON.stringify(open);
    expect(text).not.toContain('customer-acme');
    expect(text).not.toContain('internal-hr');
    expect(JSON.stringify(report)).toContain('customer-acme');
  });

  it('sums the per-collection upsert batchers under their kind, keeping the others', () => {
    expect(Object.keys(open.batching).sort()).toEqual(['embed:use-lite', 'upsert']);
    expect(open.batching['embed:use-lite']).toEqual(report.batching['embed:use-lite']);
    expect(open.batching.upsert).toEqual({
      target: 64,
      avgBatchSize: 47.5, // (60 * 300 + 10 * 100) / 400
      p95Ms: 30,
      itemsPerSec: 400,
    });
    const upsert = open.history?.[0].batchers.upsert;
    expect(upsert).toMatchObject({ kind: 'upsert', itemsPerSec: 400, concurrency: 2, p95Ms: 30 });
  });

  it('changes nothing else', () => {
    const { batching: _b, history: _h, ...rest } = open;
    const { batching: _rb, history: _rh, ...original } = report;
    expect(rest).toEqual(original);
  });
});
