/**
 * Embedded store benchmark: ANN recall, latency and memory of the LanceDB adapter.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/store.bench.js
 *
 * Env: BENCH_STORE_POINTS (default 100000), BENCH_STORE_QUERIES (1000), BENCH_STORE_CLUSTERS
 * (300), BENCH_STORE_DIR (default: a fresh directory under the OS temp dir, removed after).
 *
 * Data: synthetic but clustered like text embeddings (src/tuning/testing/synthetic-vectors.ts: unit
 * vectors around Gaussian cluster centres; a point's cosine to its centre is ≈ 0.71 and to a
 * cluster sibling ≈ 0.5). Queries are drawn the same way and never stored. Truth is an exact top-10 by brute force in JS (dot products of unit vectors).
 *
 * Each variant's searches run in a child process (this file with --child), so its resident
 * memory growth is measured without the other variant's caches.
 */
import { fork } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@lancedb/lancedb';
import { LanceDbStore } from '../src/store/lancedb.store';
import type { CollectionSpec, StoredPoint } from '../src/store/vector-store.port';
import { bruteForceTopK } from './support/exact-search';
import { percentile } from './support/stats';
import {
  clusterCentres,
  clusteredVectors,
  syntheticPoint,
} from '../src/tuning/testing/synthetic-vectors';

const DIMS = 512;
const K = 10;
const EF_VALUES = [32, 64, 128];
const DEFAULT_EF = 64;
const REFINE_FACTOR = 4;
const WARMUP_QUERIES = 50;
const BASELINE_QUERIES = 50;

interface VariantJob {
  dataDir: string;
  collection: string;
  refineFactor: number;
  efValues: number[];
  queriesFile: string;
  truthFile: string;
  queryCount: number;
  exactBaseline: boolean;
}

interface VariantRow {
  ef: number | 'exact';
  recall: number;
  p50: number;
  p95: number;
  qps: number;
}

interface VariantResult {
  rows: VariantRow[];
  rssDeltaMb: number;
}

// ---- measurement -------------------------------------------------------------------------

async function directorySize(path: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const full = join(path, entry.name);
    total += entry.isDirectory() ? await directorySize(full) : (await stat(full)).size;
  }
  return total;
}

async function vectorIndexBytes(dataDir: string, collection: string): Promise<number> {
  const db = await connect(dataDir);
  try {
    const table = await db.openTable(collection);
    const index = (await table.listIndices()).find((i) => i.columns.includes('vector'));
    table.close();
    return index?.sizeBytes ?? 0;
  } finally {
    db.close();
  }
}

async function runVariant(job: VariantJob): Promise<VariantResult> {
  const queries = new Float32Array(new Uint8Array(await readFile(job.queriesFile)).buffer);
  const truth = JSON.parse(await readFile(job.truthFile, 'utf8')) as number[][];
  const store = await LanceDbStore.open({
    dataDir: job.dataDir,
    refineFactor: job.refineFactor,
    readConsistencyIntervalMs: 60_000,
  });
  const rssBefore = process.memoryUsage().rss;
  const query = (j: number) => queries.subarray(j * DIMS, (j + 1) * DIMS);
  const rows: VariantRow[] = [];
  const measure = async (ef: number | 'exact', count: number) => {
    const latencies: number[] = [];
    let found = 0;
    const started = process.hrtime.bigint();
    for (let j = 0; j < count; j++) {
      const t0 = process.hrtime.bigint();
      const [hits] = await store.search(job.collection, [
        ef === 'exact'
          ? { mode: 'dense', vector: query(j), limit: K, exact: true }
          : { mode: 'dense', vector: query(j), limit: K, ef },
      ]);
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      const want = new Set(truth[j].map((p) => `p${p}`));
      found += hits.filter((h) => want.has(h.id)).length;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    latencies.sort((a, b) => a - b);
    rows.push({
      ef,
      recall: found / (count * K),
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      qps: count / seconds,
    });
  };
  for (let j = 0; j < Math.min(WARMUP_QUERIES, job.queryCount); j++) {
    await store.search(job.collection, [{ mode: 'dense', vector: query(j), limit: K }]);
  }
  for (const ef of job.efValues) await measure(ef, job.queryCount);
  const rssAfter = process.memoryUsage().rss;
  if (job.exactBaseline) await measure('exact', Math.min(BASELINE_QUERIES, job.queryCount));
  await store.close();
  return { rows, rssDeltaMb: (rssAfter - rssBefore) / 2 ** 20 };
}

function runVariantInChild(job: VariantJob): Promise<VariantResult> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--child', JSON.stringify(job)], { stdio: 'inherit' });
    let result: VariantResult | null = null;
    child.on('message', (message) => (result = message as VariantResult));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 && result ? resolve(result) : reject(new Error(`variant child exited ${code}`)),
    );
  });
}

// ---- main --------------------------------------------------------------------------------

function collectionSpec(name: string, quantization: 'none' | 'int8'): CollectionSpec {
  return {
    name,
    dimensions: DIMS,
    distance: 'cosine',
    hnsw: { m: 16, efConstruct: 128 },
    quantization,
    hybrid: false,
  };
}

function pointsFor(data: Float32Array, from: number, to: number): StoredPoint[] {
  const points: StoredPoint[] = [];
  for (let p = from; p < to; p++) {
    points.push(syntheticPoint(data, DIMS, p));
  }
  return points;
}

const fmt = (n: number, digits = 2) => n.toFixed(digits);

async function main(): Promise<void> {
  const pointCount = Number(process.env.BENCH_STORE_POINTS ?? 100_000);
  const queryCount = Number(process.env.BENCH_STORE_QUERIES ?? 1000);
  const clusters = Number(process.env.BENCH_STORE_CLUSTERS ?? 300);
  const ownDir = !process.env.BENCH_STORE_DIR;
  const dataDir =
    process.env.BENCH_STORE_DIR ?? (await mkdtemp(join(tmpdir(), 'ragline-store-bench-')));
  console.log(
    `store bench: ${pointCount} points × ${DIMS} dims, ${queryCount} held-out queries, ` +
      `${clusters} Gaussian clusters on the unit sphere (noise σ = 1/√${DIMS} per dim, normalised)`,
  );

  let t0 = Date.now();
  const centres = clusterCentres(clusters, DIMS, 1);
  const data = clusteredVectors(centres, DIMS, pointCount, 2);
  const queries = clusteredVectors(centres, DIMS, queryCount, 3);
  console.log(`generated data in ${fmt((Date.now() - t0) / 1000, 1)} s`);
  t0 = Date.now();
  const truth = bruteForceTopK(data, queries, DIMS, K);
  console.log(`exact top-${K} (JS brute force) in ${fmt((Date.now() - t0) / 1000, 1)} s`);
  const queriesFile = join(dataDir, 'queries.f32');
  const truthFile = join(dataDir, 'truth.json');
  await writeFile(queriesFile, Buffer.from(queries.buffer));
  await writeFile(truthFile, JSON.stringify(truth));

  const storeDir = join(dataDir, 'lancedb');
  const indexThreshold = Math.min(5000, Math.floor(pointCount / 2));
  // One process owns this directory, so old versions can go at once (disk size is then real).
  const store = await LanceDbStore.open({
    dataDir: storeDir,
    indexThreshold,
    versionRetentionMs: 0,
  });
  const builds: Record<string, { loadS: number; buildS: number; indexMb: number; diskMb: number }> =
    {};
  for (const [name, quantization] of [
    ['f32', 'none'],
    ['int8', 'int8'],
  ] as const) {
    await store.dropCollection(name);
    await store.ensureCollection(collectionSpec(name, quantization));
    await store.setBulkLoad(name, true);
    t0 = Date.now();
    for (let from = 0; from < pointCount; from += 5000) {
      await store.upsert(name, pointsFor(data, from, Math.min(pointCount, from + 5000)));
    }
    const loadS = (Date.now() - t0) / 1000;
    t0 = Date.now();
    await store.optimize(name);
    const buildS = (Date.now() - t0) / 1000;
    await store.setBulkLoad(name, false);
    const info = await store.info(name);
    if (!info?.indexed || info.points !== pointCount)
      throw new Error(`${name}: not indexed: ${JSON.stringify(info)}`);
    builds[name] = {
      loadS,
      buildS,
      indexMb: (await vectorIndexBytes(storeDir, name)) / 2 ** 20,
      diskMb: (await directorySize(join(storeDir, `${name}.lance`))) / 2 ** 20,
    };
    console.log(
      `${name}: loaded in ${fmt(loadS, 1)} s, index (${quantization === 'int8' ? 'IVF_HNSW_SQ' : 'IVF_FLAT'}) ` +
        `built in ${fmt(buildS, 1)} s, index ${fmt(builds[name].indexMb, 1)} MB, table on disk ${fmt(builds[name].diskMb, 1)} MB`,
    );
  }
  await store.close();

  const job = (collection: string, refineFactor: number, exactBaseline = false): VariantJob => ({
    dataDir: storeDir,
    collection,
    refineFactor,
    efValues: EF_VALUES,
    queriesFile,
    truthFile,
    queryCount,
    exactBaseline,
  });
  const f32 = await runVariantInChild(job('f32', 0, true));
  const int8Raw = await runVariantInChild(job('int8', 0));
  const int8Refine = await runVariantInChild(job('int8', REFINE_FACTOR));

  const header =
    '| variant | ef | recall@10 | p50 ms | p95 ms | queries/s | build s | index MB | table MB | RSS Δ MB |';
  console.log(`\n${header}\n|${'---|'.repeat(10)}`);
  const print = (label: string, build: (typeof builds)[string], result: VariantResult) => {
    for (const row of result.rows) {
      const efLabel = row.ef === 'exact' ? 'exact' : `${row.ef}`;
      console.log(
        `| ${label} | ${efLabel} | ${fmt(row.recall, 4)} | ${fmt(row.p50)} | ${fmt(row.p95)} | ${fmt(row.qps, 0)} | ` +
          `${fmt(build.buildS, 1)} | ${fmt(build.indexMb, 1)} | ${fmt(build.diskMb, 1)} | ${fmt(result.rssDeltaMb, 0)} |`,
      );
    }
  };
  print('f32 (IVF_FLAT, nprobes = ef/4)', builds.f32, f32);
  print('int8 (HNSW_SQ), no refine', builds.int8, int8Raw);
  print(`int8 (HNSW_SQ), refine ×${REFINE_FACTOR}`, builds.int8, int8Refine);
  console.log(
    '(exact = brute-force scan through the store, the baseline; RSS Δ = child resident memory growth over its queries)',
  );

  const atDefault = (r: VariantResult) => r.rows.find((row) => row.ef === DEFAULT_EF) as VariantRow;
  const headline = {
    recallF32: Number(fmt(atDefault(f32).recall, 4)),
    recallInt8Refine: Number(fmt(atDefault(int8Refine).recall, 4)),
    p95MsInt8Refine: Number(fmt(atDefault(int8Refine).p95, 2)),
    memoryRatioInt8ToF32: Number(fmt(builds.int8.indexMb / builds.f32.indexMb, 3)),
    recallInt8NoRefine: Number(fmt(atDefault(int8Raw).recall, 4)),
    p50MsInt8Refine: Number(fmt(atDefault(int8Refine).p50, 2)),
    p95MsF32: Number(fmt(atDefault(f32).p95, 2)),
    p95MsExact: Number(fmt((f32.rows.find((r) => r.ef === 'exact') as VariantRow).p95, 2)),
    indexMbInt8: Number(fmt(builds.int8.indexMb, 1)),
    indexMbF32: Number(fmt(builds.f32.indexMb, 1)),
    buildSecondsInt8: Number(fmt(builds.int8.buildS, 1)),
    buildSecondsF32: Number(fmt(builds.f32.buildS, 1)),
    ef: DEFAULT_EF,
    refineFactor: REFINE_FACTOR,
    points: pointCount,
    dims: DIMS,
    queries: queryCount,
  };
  if (ownDir) await rm(dataDir, { recursive: true, force: true });
  console.log(`BENCH ${JSON.stringify(headline)}`);
}

if (process.argv[2] === '--child') {
  runVariant(JSON.parse(process.argv[3]) as VariantJob).then(
    (result) => {
      process.send?.(result, () => process.exit(0));
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
