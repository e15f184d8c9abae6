import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterCentres, clusteredVectors, syntheticPoint } from './testing/synthetic-vectors';
import { LanceDbStore } from '../store/lancedb.store';
import type { Quantization, StoredPoint } from '../store/vector-store.port';
import { tuneCollection } from './ef-tuner';
import type { TuneParams } from '../queues/tune-job';

/**
 * The tuner against the real embedded store: synthetic clustered vectors, enough of them (with
 * a lowered index threshold) for LanceDB to build its ANN index, so the figures are real ones.
 */
const DIMS = 32;
const POINTS = 3000;
const PARAMS: TuneParams = { samples: 60, efs: [4, 16, 64, 256], target: 0.99, floor: 0.9 };

function points(count: number, seed: number): StoredPoint[] {
  const data = clusteredVectors(clusterCentres(40, DIMS, seed), DIMS, count, seed + 1);
  return Array.from({ length: count }, (_, p) => syntheticPoint(data, DIMS, p));
}

describe('tuneCollection on LanceDB', () => {
  let dataDir: string;
  let store: LanceDbStore;

  const load = async (name: string, quantization: Quantization, count: number) => {
    await store.ensureCollection({
      name,
      dimensions: DIMS,
      distance: 'cosine',
      hnsw: { m: 8, efConstruct: 64 },
      quantization,
      hybrid: false,
    });
    const all = points(count, 7);
    for (let i = 0; i < all.length; i += 1000) await store.upsert(name, all.slice(i, i + 1000));
    await store.optimize(name);
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ragline-tuner-'));
    store = await LanceDbStore.open({
      dataDir,
      indexThreshold: 1000,
      readConsistencyIntervalMs: 0,
    });
    await load('int8', 'int8', POINTS);
    await load('float', 'none', POINTS);
    await load('small', 'int8', 200);
  }, 120_000);

  afterAll(async () => {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('int8: recall grows with ef, and the recommendation meets the target on the rows searches use', async () => {
    const progress: number[] = [];
    const report = await tuneCollection(
      store,
      { collection: 'int8', quantization: 'int8' },
      PARAMS,
      (f) => progress.push(f),
    );
    expect(report).toMatchObject({ status: 'measured', points: POINTS, samples: 60, k: 10 });
    expect(report.vectorIndex).toMatch(/IVF_HNSW_SQ/);
    expect(report.exact?.p50Ms).toBeGreaterThan(0);
    expect(report.rows.map((r) => `${r.variant}@${r.ef}`)).toEqual([
      'rescore@4',
      'rescore@16',
      'rescore@64',
      'rescore@256',
      'raw@4',
      'raw@16',
      'raw@64',
      'raw@256',
    ]);
    for (const variant of ['rescore', 'raw'] as const) {
      const rows = report.rows.filter((r) => r.variant === variant);
      expect(rows[rows.length - 1].recall).toBeGreaterThanOrEqual(rows[0].recall);
      for (const row of rows) {
        expect(row.recall).toBeGreaterThanOrEqual(0);
        expect(row.recall).toBeLessThanOrEqual(1);
        expect(row.recallP5).toBeGreaterThanOrEqual(0);
        expect(row.recallP5).toBeLessThanOrEqual(1);
        expect(row.p95Ms).toBeGreaterThanOrEqual(row.p50Ms);
        expect(row.qps).toBeGreaterThan(0);
      }
    }
    // Where many queries miss neighbours, the worst 5% of them sit below the mean.
    const rawLow = report.rows.find((r) => r.variant === 'raw' && r.ef === 4);
    expect(rawLow?.recallP5).toBeLessThan(rawLow?.recall ?? 0);
    // Re-ranking on float32 can only help at equal ef.
    const at = (variant: string, ef: number) =>
      report.rows.find((r) => r.variant === variant && r.ef === ef)?.recall ?? NaN;
    expect(at('rescore', 256)).toBeGreaterThanOrEqual(at('raw', 256));
    const rec = report.recommendation;
    expect(rec).not.toBeNull();
    expect(rec?.recall).toBeGreaterThanOrEqual(PARAMS.target);
    expect(at('rescore', rec?.ef ?? 0)).toBe(rec?.recall);
    // Smallest such ef: every smaller measured ef misses the target.
    for (const row of report.rows.filter((r) => r.variant === 'rescore' && r.ef < (rec?.ef ?? 0)))
      expect(row.recall).toBeLessThan(PARAMS.target);
    expect(rec?.floorEf).toBeLessThanOrEqual(rec?.ef ?? 0);
    expect(rec?.floorRecall).toBeGreaterThanOrEqual(PARAMS.floor);
    expect(report.summary).toContain(`recommended ef ${rec?.ef}`);
    expect(report.notes.join('\n')).toMatch(/cannot search an int8 collection on float32/);
    // Progress rises monotonically to 1.
    expect(progress[progress.length - 1]).toBe(1);
    expect(progress.every((f, i) => i === 0 || f >= progress[i - 1])).toBe(true);
  }, 60_000);

  it('float32 (IVF_FLAT): one variant, ef read as nprobes, recall grows with it', async () => {
    const report = await tuneCollection(
      store,
      { collection: 'float', quantization: 'none' },
      PARAMS,
    );
    expect(report.vectorIndex).toMatch(/IVF_FLAT.*nprobes/);
    expect(new Set(report.rows.map((r) => r.variant))).toEqual(new Set(['none']));
    expect(report.rows[report.rows.length - 1].recall).toBeGreaterThan(report.rows[0].recall);
    expect(report.searchVariant).toBe('none');
  }, 60_000);

  it('says plainly that a collection without an ANN index has nothing to tune', async () => {
    const report = await tuneCollection(
      store,
      { collection: 'small', quantization: 'int8' },
      PARAMS,
    );
    expect(report).toMatchObject({ status: 'no-index', rows: [], recommendation: null });
    expect(report.summary).toMatch(/no ANN index yet \(200 points\).*nothing to tune/);
  });
});
