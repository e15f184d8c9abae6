import { responseBody, serverTiming } from './search.controller';
import type { SearchResponse } from './search.types';

const response = (hits: SearchResponse['hits']): SearchResponse => ({
  hits,
  cache: 'l1',
  version: 7,
  took: { totalMs: 0.061 },
});

describe('search responses', () => {
  const hits: SearchResponse['hits'] = [
    {
      id: 'a',
      documentId: 'docs/ünïcode "quoted".md',
      chunkIndex: 2,
      score: 0.8123,
      text: 'Brot backen: “Sauerteig” ansetzen \u2028 and a line separator',
      headingPath: ['Intro', 'Zürich'],
      metadata: { lang: 'de', nested: { n: [1, 2] } },
    },
  ];

  it('writes exactly what JSON.stringify writes, for every tier and field', () => {
    for (const r of [
      response(hits),
      response([]),
      {
        ...response(hits),
        cache: 'miss' as const,
        took: { totalMs: 52.1, queueMs: 1.2, embedMs: 30, storeMs: 9.5 },
      },
    ]) {
      expect(responseBody(r).toString('utf8')).toBe(JSON.stringify(r));
    }
  });

  it('reuses a cached hits array, and each answer keeps its own timings', () => {
    const first = responseBody(response(hits)).toString('utf8');
    const second = responseBody({ ...response(hits), took: { totalMs: 0.2 } }).toString('utf8');
    expect(JSON.parse(first).took.totalMs).toBe(0.061);
    expect(JSON.parse(second).took.totalMs).toBe(0.2);
    expect(JSON.parse(second).hits).toEqual(hits);
    expect(serverTiming(response(hits))).toBe('cache;desc="l1", total;dur=0.061');
  });
});
