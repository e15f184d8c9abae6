import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadMaterial } from './material';
import {
  cacheTier,
  checkStatus,
  countCacheTier,
  isIngest,
  isSearch,
  pickBurst,
  pickUniqueQuery,
  pickZipfQuery,
  PROCESSOR_ENV,
  setIngestBody,
} from './processor';

const vocabulary = Array.from(
  { length: 64 },
  (_, i) => `term${String.fromCharCode(97 + (i % 26))}${i}`,
);
const material: LoadMaterial = {
  queries: ['the hottest query', 'second query', 'third query', 'fourth query'],
  vocabulary,
  ingestDocuments: [1, 2, 3, 4, 5].map((i) => ({ id: `d${i}`, text: `document ${i}` })),
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ragline-processor-'));
  const path = join(dir, 'material.json');
  writeFileSync(path, JSON.stringify(material));
  process.env[PROCESSOR_ENV.material] = path;
});
afterAll(() => {
  delete process.env[PROCESSOR_ENV.material];
  rmSync(dir, { recursive: true, force: true });
});

function counters() {
  const counts: Record<string, number> = {};
  return {
    counts,
    events: {
      emit: (_kind: 'counter', name: string, n: number) => (counts[name] = (counts[name] ?? 0) + n),
    },
  };
}
const done = (err?: Error) => {
  if (err) throw err;
};

describe('artillery processor', () => {
  it('draws Zipf queries from the pool, the hot head most often', () => {
    const { events } = counters();
    const seen: Record<string, number> = {};
    for (let i = 0; i < 2000; i++) {
      const context = { vars: { zipfExponent: 1 } as Record<string, unknown> };
      pickZipfQuery(context, events, done);
      const q = context.vars.query as string;
      seen[q] = (seen[q] ?? 0) + 1;
      expect(isSearch(context.vars)).toBe(true);
    }
    expect(Object.keys(seen).sort()).toEqual([...material.queries].sort());
    expect(seen['the hottest query']).toBeGreaterThan(seen['fourth query'] * 2);
  });

  it('makes unique queries that never repeat', () => {
    const { events } = counters();
    const queries = Array.from({ length: 500 }, () => {
      const context = { vars: {} as Record<string, unknown> };
      pickUniqueQuery(context, events, done);
      return context.vars.query as string;
    });
    expect(new Set(queries).size).toBe(500);
  });

  it('posts every ingest document once from burstAtSeconds on, then goes back to searching', () => {
    const { events } = counters();
    const batches: string[][] = [];
    for (let i = 0; i < 6; i++) {
      const context = { vars: { burstAtSeconds: 0, burstBatchDocs: 2 } as Record<string, unknown> };
      pickBurst(context, events, done);
      if (isIngest(context.vars)) {
        const params: { json?: unknown } = {};
        setIngestBody(params, context, events, done);
        batches.push((params.json as { documents: { id: string }[] }).documents.map((d) => d.id));
      } else expect(isSearch(context.vars)).toBe(true);
    }
    expect(batches).toEqual([['d1', 'd2'], ['d3', 'd4'], ['d5']]);
  });

  it('reads the cache tier from Server-Timing', () => {
    expect(cacheTier('cache;desc="l1", total;dur=0.2')).toBe('l1');
    expect(cacheTier(['cache;desc="miss"', 'total;dur=9'])).toBe('miss');
    expect(cacheTier(undefined)).toBeNull();
  });

  it('counts answered searches by tier; a hit is l1 or l2', () => {
    const { counts, events } = counters();
    const answer = (status: number, timing: string) =>
      countCacheTier(
        {},
        { statusCode: status, headers: { 'server-timing': timing } },
        { vars: {} },
        events,
        done,
      );
    answer(200, 'cache;desc="l1", total;dur=0.1');
    answer(200, 'cache;desc="l2", total;dur=1');
    answer(200, 'cache;desc="miss", total;dur=20');
    answer(504, '');

    expect(counts).toEqual({
      'ragline.search.responses': 3,
      'ragline.search.l1': 1,
      'ragline.search.l2': 1,
      'ragline.search.miss': 1,
      'ragline.search.hit': 2,
    });
  });

  it('fails the virtual user on a 4xx or 5xx answer with the status as the error code', () => {
    const outcome = (status: number) => {
      let error: (Error & { code?: string }) | undefined;
      checkStatus(
        {},
        { statusCode: status, headers: {} },
        { vars: {} },
        counters().events,
        (e) => (error = e),
      );
      return error?.code;
    };
    expect(outcome(200)).toBeUndefined();
    expect(outcome(202)).toBeUndefined();
    expect(outcome(429)).toBe('HTTP_429');
    expect(outcome(504)).toBe('HTTP_504');
  });
});
