import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { clusterCentres, clusteredVectors } from '../src/tuning/testing/synthetic-vectors';
import { hashApiKey } from '../src/auth/api-keys';
import { RaglineClient } from '../src/client/ragline-client';
import type { TuneReport, TuneStarted } from '../src/contract';
import { LanceDbStore } from '../src/store/lancedb.store';
import { VECTOR_STORE, type StoredPoint, type VectorStore } from '../src/store/vector-store.port';
import { http, RunningApp, startApp } from './support/app-harness';

/**
 * Tuning through the real service: the admin endpoint (scope, validation), the tune job (real
 * LanceDB collection with an ANN index, progress, report), apply (stored on the collection, used
 * by the search path, not a conflict for a repeated PUT), clearing it, and the CLI.
 * Run `npm run build` first: the CLI test spawns bin/ragline.js.
 */
const ADMIN_KEY = 'tune-admin-key';
const APP_KEY = 'tune-app-key';
const DIMS = 512; // the default embedder's, which the collection takes
const POINTS = 1500;
const BIN = join(__dirname, '..', 'bin', 'ragline.js');
const run = promisify(execFile);

function points(count: number): StoredPoint[] {
  const data = clusteredVectors(clusterCentres(30, DIMS, 11), DIMS, count, 12);
  return Array.from({ length: count }, (_, p) => ({
    id: `00000000-0000-4000-8000-${p.toString(16).padStart(12, '0')}`,
    vector: data.slice(p * DIMS, (p + 1) * DIMS),
    documentId: `doc-${Math.floor(p / 10)}`,
    chunkIndex: p % 10,
    text: `synthetic chunk ${p}`,
    contentHash: String(p),
    headingPath: [],
    start: 0,
    end: 0,
    metadata: {},
  }));
}

describe('tuning a collection through the service', () => {
  let running: RunningApp;
  let admin: RaglineClient;
  const auth = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });

  beforeAll(async () => {
    running = await startApp({
      RAGLINE_API_KEYS: `ops:admin:${hashApiKey(ADMIN_KEY)},app:search+ingest:${hashApiKey(APP_KEY)}`,
      // The optimizer would scale ef down if this busy machine made searches slow.
      RAGLINE_OPTIMIZER: 'false',
      // Tuning measures and sets the store's own ANN search; searches served from the
      // in-memory graph would not reach it.
      RAGLINE_SERVING: 'false',
      // A write (clearing the tuning is one) re-runs the hot searches in the background a
      // moment later: on a slow machine those runs would land among the store calls counted below.
      RAGLINE_SEARCH_WARM_QUERIES: '0',
    });
    admin = new RaglineClient({ baseUrl: running.url, apiKey: ADMIN_KEY });
    const app = new RaglineClient({ baseUrl: running.url, apiKey: APP_KEY });
    await app.createCollection('tuned', { quantization: 'int8', hybrid: false });
    await app.createCollection('tiny', { quantization: 'int8', hybrid: false });
    // Synthetic vectors written straight into the service's own LanceDB directory, by a store
    // whose index threshold is low enough to build the ANN index (ingesting 1,500 chunks
    // through the model would take minutes).
    const writer = await LanceDbStore.open({
      dataDir: join(running.config.dataDir, 'lancedb'),
      indexThreshold: 500,
    });
    try {
      await writer.upsert('tuned', points(POINTS));
      await writer.optimize('tuned');
      await writer.upsert('tiny', points(50));
    } finally {
      await writer.close();
    }
  }, 120_000);

  afterAll(async () => {
    await running?.close();
  });

  it('needs the admin scope', async () => {
    const path = '/v1/admin/collections/tuned/tune';
    expect((await http(running.url, 'POST', path, {})).status).toBe(401);
    const denied = await http<{ error: { code: string } }>(
      running.url,
      'POST',
      path,
      {},
      auth(APP_KEY),
    );
    expect(denied.status).toBe(403);
    expect(
      (
        await http(
          running.url,
          'DELETE',
          '/v1/admin/collections/tuned/tuning',
          undefined,
          auth(APP_KEY),
        )
      ).status,
    ).toBe(403);
  });

  it.each([
    [{ samples: 5 }, /samples: must be at least 10/],
    [{ samples: 1.5 }, /samples: must be an integer/],
    [{ ef: [] }, /ef: must name at least one ef/],
    [{ ef: [16, 0] }, /ef\[1\]: must be at least 1/],
    [{ ef: '16,32' }, /ef: must be a list of integers/],
    [{ target: 1.5 }, /target: must be a recall of at most 1/],
    [{ target: 0.9, floor: 0.95 }, /floor: must not exceed target \(0\.9\)/],
    [{ apply: 'yes' }, /apply: must be true or false/],
    [{ efs: [16] }, /Unrecognized key/],
  ])('answers 400 with the reason for %j', async (body, reason) => {
    const res = await http<{ error: { code: string; message: string } }>(
      running.url,
      'POST',
      '/v1/admin/collections/tuned/tune',
      body,
      auth(ADMIN_KEY),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(res.body.error.message).toMatch(reason);
  });

  it('answers 404 for an unknown collection and 400 for a bad name', async () => {
    const missing = await http(
      running.url,
      'POST',
      '/v1/admin/collections/nope/tune',
      {},
      auth(ADMIN_KEY),
    );
    expect(missing.status).toBe(404);
    const bad = await http(
      running.url,
      'POST',
      '/v1/admin/collections/Bad%20Name/tune',
      {},
      auth(ADMIN_KEY),
    );
    expect(bad.status).toBe(400);
  });

  it('says there is nothing to tune in a collection without an ANN index', async () => {
    const started = await admin.tuneCollection('tiny', { apply: true });
    const report = await admin.waitForTune(started.job.id, { pollMs: 200 });
    expect(report).toMatchObject({
      status: 'no-index',
      rows: [],
      recommendation: null,
      applied: null,
    });
    expect(report.summary).toMatch(/no ANN index yet \(50 points\)/);
    expect(report.notes).toContain('not applied: there is no recommendation to apply');
  });

  it('measures, recommends and applies; searches then use the tuned ef; clearing it restores the default', async () => {
    const body = { samples: 40, ef: [64, 16, 256], target: 0.99, floor: 0.9, apply: true };
    // Two requests at once: one job, the second answer names it.
    const [first, second] = await Promise.all(
      [body, body].map((b) =>
        http<TuneStarted>(
          running.url,
          'POST',
          '/v1/admin/collections/tuned/tune',
          b,
          auth(ADMIN_KEY),
        ),
      ),
    );
    expect([first.status, second.status]).toEqual([202, 202]);
    expect(second.body.job.id).toBe(first.body.job.id);
    expect([first.body.alreadyRunning, second.body.alreadyRunning].sort()).toEqual([false, true]);
    expect(first.body.job.queue).toBe('tune');

    const progress: number[] = [];
    const report: TuneReport = await admin.waitForTune(first.body.job.id, {
      pollMs: 100,
      onProgress: (p) => progress.push(p),
    });
    expect(progress.at(-1)).toBe(100);
    expect(report).toMatchObject({
      collection: 'tuned',
      status: 'measured',
      points: POINTS,
      samples: 40,
    });
    expect(report.rows.map((r) => `${r.variant}@${r.ef}`)).toEqual([
      'rescore@16',
      'rescore@64',
      'rescore@256',
      'raw@16',
      'raw@64',
      'raw@256',
    ]);
    const rec = report.recommendation;
    expect(rec?.recall).toBeGreaterThanOrEqual(0.99);
    expect(report.applied).toMatchObject({
      ef: rec?.ef,
      floorEf: rec?.floorEf,
      target: 0.99,
      floor: 0.9,
    });

    // Stored on the collection; a repeated PUT with the same settings is still a 200.
    const view = await admin.getCollection('tuned');
    expect(view.config.searchTuning).toEqual(report.applied);
    const again = await new RaglineClient({
      baseUrl: running.url,
      apiKey: APP_KEY,
    }).createCollection('tuned', { quantization: 'int8', hybrid: false });
    expect(again.created).toBe(false);

    // The search path: the store is asked with the tuned ef; a request's own ef still wins.
    const store = running.app.get<VectorStore>(VECTOR_STORE);
    const recorded = jest.spyOn(store, 'search'); // calls through to the real store
    const searchAs = (query: string, params?: { ef: number }) =>
      http(
        running.url,
        'POST',
        '/v1/collections/tuned/search',
        { query, mode: 'dense', ...(params ? { params } : {}) },
        auth(APP_KEY),
      );
    expect((await searchAs('tuned breadth please')).status).toBe(200);
    expect((await searchAs('my own breadth', { ef: 7 })).status).toBe(200);
    const efs = () =>
      recorded.mock.calls.filter(([c]) => c === 'tuned').map(([, requests]) => requests[0].ef);
    expect(efs()).toEqual([rec?.ef, 7]);

    await admin.clearCollectionTuning('tuned');
    expect((await admin.getCollection('tuned')).config.searchTuning).toBeUndefined();
    expect((await searchAs('tuned breadth please')).status).toBe(200);
    expect(efs()).toEqual([rec?.ef, 7, running.config.search.defaultEf]);
    recorded.mockRestore();
  }, 120_000);

  it('the CLI shows the table and the recommendation', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        BIN,
        'tune',
        'tuned',
        '--samples',
        '20',
        '--ef',
        '16,256',
        '--url',
        running.url,
        '--api-key',
        ADMIN_KEY,
      ],
      { env: { ...process.env, CI: 'true' } },
    );
    expect(stdout).toMatch(/tuned: 1500 points \(lancedb, quantization int8\)/);
    expect(stdout).toMatch(/variant\s+ef\s+recall@10\s+worst 5%\s+p50 ms\s+p95 ms\s+queries\/s/);
    expect(stdout).toMatch(/^rescore\*\s+16/m);
    expect(stdout).toMatch(/^raw\s+256/m);
    expect(stdout).toMatch(/recommended ef (16|256)/);
    expect(stdout).not.toMatch(/applied:/);
  }, 60_000);
});
