/**
 * The ef tuner on the embedded store: a synthetic clustered collection (support/synthetic-
 * vectors.ts, as store.bench.ts uses) loaded into LanceDB, measured exactly as `ragline tune`
 * measures a live collection (src/tuning/ef-tuner.ts) and printed as the CLI prints it.
 *
 *   npm run bench:tune
 *
 * Env: BENCH_TUNE_POINTS (default 20000), BENCH_TUNE_DIMS (512), BENCH_TUNE_CLUSTERS (100),
 * BENCH_TUNE_SAMPLES (200), BENCH_TUNE_QUANTIZATION (int8 | none, default int8).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatTuneReport } from '../src/cli/tune-format';
import { LanceDbStore } from '../src/store/lancedb.store';
import type { StoredPoint } from '../src/store/vector-store.port';
import { tuneCollection } from '../src/tuning/ef-tuner';
import { DEFAULT_TUNE_EFS, DEFAULT_TUNE_FLOOR, DEFAULT_TUNE_TARGET } from '../src/contract/tuning';
import {
  clusterCentres,
  clusteredVectors,
  syntheticPoint,
} from '../src/tuning/testing/synthetic-vectors';

const BATCH = 5000;

async function main(): Promise<void> {
  const points = Number(process.env.BENCH_TUNE_POINTS ?? 20_000);
  const dims = Number(process.env.BENCH_TUNE_DIMS ?? 512);
  const clusters = Number(process.env.BENCH_TUNE_CLUSTERS ?? 100);
  const samples = Number(process.env.BENCH_TUNE_SAMPLES ?? 200);
  const quantization = process.env.BENCH_TUNE_QUANTIZATION === 'none' ? 'none' : 'int8';
  const dataDir = await mkdtemp(join(tmpdir(), 'ragline-tune-bench-'));
  const store = await LanceDbStore.open({ dataDir, versionRetentionMs: 0 });
  try {
    const collection = `synthetic-${quantization}`;
    await store.ensureCollection({
      name: collection,
      dimensions: dims,
      distance: 'cosine',
      hnsw: { m: 16, efConstruct: 128 },
      quantization,
      hybrid: false,
    });
    const data = clusteredVectors(clusterCentres(clusters, dims, 1), dims, points, 2);
    const started = Date.now();
    await store.setBulkLoad(collection, true);
    for (let from = 0; from < points; from += BATCH) {
      const batch: StoredPoint[] = [];
      for (let p = from; p < Math.min(points, from + BATCH); p++) {
        batch.push(syntheticPoint(data, dims, p));
      }
      await store.upsert(collection, batch);
    }
    await store.optimize(collection);
    await store.setBulkLoad(collection, false);
    console.log(
      `loaded and indexed ${points} × ${dims} (${clusters} clusters) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
    const report = await tuneCollection(
      store,
      { collection, quantization },
      { samples, efs: DEFAULT_TUNE_EFS, target: DEFAULT_TUNE_TARGET, floor: DEFAULT_TUNE_FLOOR },
    );
    console.log(formatTuneReport(report));
    console.log(`(tune took ${(report.durationMs / 1000).toFixed(1)} s)`);
    const rec = report.recommendation;
    console.log(
      `BENCH ${JSON.stringify({
        points,
        dims,
        samples: report.samples,
        quantization,
        recommendedEf: rec?.ef ?? null,
        recall: rec?.recall ?? null,
        p50Ms: rec?.p50Ms ?? null,
        floorEf: rec?.floorEf ?? null,
        exactP50Ms: report.exact?.p50Ms ?? null,
        tuneSeconds: Math.round(report.durationMs / 100) / 10,
      })}`,
    );
  } finally {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
