/**
 * Search latency by tier, server-side (the `took` the service reports): L1 hits, L2 hits (a
 * second api process sharing the Redis), misses, and for misses the part spent outside the
 * model and the store (queue and plumbing). Then miss throughput with micro-batching against
 * one job per model call (RAGLINE_SEARCH_BATCH_MAX=1), same queries, same run; unique-query
 * throughput against the bare model's batched throughput.
 *
 * First, without the model or the shared datasets: the in-memory serving index (src/serving)
 * on synthetic collections of 30,000 and 100,000 chunks, each built in a child process (so its
 * memory growth is its own): build time, memory per chunk, store time per hybrid search and
 * dense recall@10 against exact search.
 *
 *   npm run bench:search
 *
 * Env: BENCH_SEARCH_DOCS, BENCH_SEARCH_QUERIES (the service part); BENCH_SEARCH_STORE_SIZES
 * (30000,100000), BENCH_SEARCH_STORE_QUERIES (500), BENCH_SEARCH_RECALL_QUERIES (200; 0 skips),
 * BENCH_SEARCH_CLUSTERS (300), BENCH_SEARCH_CONCURRENCY (32: unique searches in flight).
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { documentText, hasBeirDataset, loadBeirDataset, sharedDatasetsDir } from './support/beir';
import { bareModelThroughput } from '../src/embedding/testing/bare-model-throughput';
import { waitForServing } from './support/serving';
import { printBenchLine, round } from './support/report';
import { measureServingStore, ServingStoreJob, ServingStoreResult } from './support/serving-store';
import { summary } from './support/stats';
import { awaitJobs, BenchService, postJson, startBenchService } from './support/service';

interface SearchAnswer {
  cache: string;
  took: { totalMs: number; queueMs?: number; embedMs?: number; storeMs?: number };
}

const DOCS = Number(process.env.BENCH_SEARCH_DOCS ?? 400);
const QUERIES = Number(process.env.BENCH_SEARCH_QUERIES ?? 200);
const STORE_SIZES = (process.env.BENCH_SEARCH_STORE_SIZES ?? '30000,100000')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const STORE_QUERIES = Number(process.env.BENCH_SEARCH_STORE_QUERIES ?? 500);
const RECALL_QUERIES = Number(process.env.BENCH_SEARCH_RECALL_QUERIES ?? 200);
const CLUSTERS = Number(process.env.BENCH_SEARCH_CLUSTERS ?? 300);
const CONCURRENCY = Number(process.env.BENCH_SEARCH_CONCURRENCY ?? 32);

function material(): { docs: { id: string; text: string }[]; queries: string[] } | null {
  const dir = join(sharedDatasetsDir(), 'cisi');
  if (!hasBeirDataset(dir)) {
    console.log(`${dir} is absent: the service part is skipped (the shared datasets are not here)`);
    return null;
  }
  const data = loadBeirDataset(dir);
  const base = loadBeirDataset(join(sharedDatasetsDir(), 'cranfield')).queries.map((q) => q.text);
  const queries = [...data.queries.map((q) => q.text), ...base].map((q) => q.slice(0, 300));
  while (queries.length < QUERIES)
    queries.push(`${queries[queries.length % 100]} (variant ${queries.length})`);
  return {
    docs: data.corpus.slice(0, DOCS).map((d) => ({ id: d.id, text: documentText(d) })),
    queries: queries.slice(0, QUERIES),
  };
}

async function seed(service: BenchService, docs: { id: string; text: string }[]): Promise<void> {
  await postJson(`${service.url}/v1/collections/bench`, {}, 'PUT');
  const ids: string[] = [];
  for (let i = 0; i < docs.length; i += 250) {
    const res = await postJson<{ jobs: { id: string }[] }>(
      `${service.url}/v1/collections/bench/documents`,
      { documents: docs.slice(i, i + 250) },
    );
    ids.push(...res.body.jobs.map((j) => j.id));
  }
  await awaitJobs(service.url, ids);
}

/**
 * The bare model's query throughput straight on the worker pool, every thread busy: the best
 * batch size (what a miss-bound service could reach at best) and one query per call (their
 * ratio is the most micro-batching can gain). Independent of the embedder's grouping policy.
 */
async function modelThroughput(
  queries: string[],
): Promise<{ batched: number; bestBatch: number; single: number }> {
  let next = 0;
  const bare = await bareModelThroughput(() => queries[next++ % queries.length], {
    poolSize: availableParallelism(),
    secondsPerSize: 3,
    sizes: [1, 2, 4, 8, 16, 32],
  });
  return { batched: bare.best, bestBatch: bare.bestBatch, single: bare.byBatch[1] };
}

const search = (url: string, query: string, extra: Record<string, unknown> = {}) =>
  postJson<SearchAnswer>(`${url}/v1/collections/bench/search`, { query, limit: 10, ...extra }).then(
    (r) => {
      if (r.status !== 200) throw new Error(`search answered ${r.status}`);
      return r.body;
    },
  );

/** Unique searches with `concurrency` in flight: searches/s and each one's round trip (ms). */
async function missThroughput(
  url: string,
  queries: string[],
  concurrency: number,
  tag: string,
): Promise<{ perSec: number; latencies: number[] }> {
  let next = 0;
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < queries.length) {
        const sent = performance.now();
        await search(url, `${queries[next++]} ${tag}`);
        latencies.push(performance.now() - sent);
      }
    }),
  );
  return { perSec: queries.length / ((performance.now() - started) / 1000), latencies };
}

/**
 * Searches once (which starts loading the collection's serving index in the background),
 * then waits until the service's metrics show the index holding every chunk.
 */
async function awaitServingIndex(service: BenchService, query: string): Promise<void> {
  // never asked before, so no cache (L1, or L2 shared with an earlier service) answers it
  await search(service.url, `${query} (loads the serving index ${randomUUID()})`);
  const info = await fetch(`${service.url}/v1/collections/bench`);
  const { chunks } = (await info.json()) as { chunks: number };
  await waitForServing(service.url, chunks, 120_000);
}

/** One synthetic serving-store measurement in a child process (this file with --store). */
function servingStoreInChild(job: ServingStoreJob): Promise<ServingStoreResult> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--store', JSON.stringify(job)], {
      stdio: 'inherit',
      execArgv: ['--expose-gc'],
    });
    let result: ServingStoreResult | null = null;
    child.on('message', (message) => (result = message as ServingStoreResult));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 && result ? resolve(result) : reject(new Error(`store child exited ${code}`)),
    );
  });
}

async function servingStoreFigures(): Promise<Record<string, unknown>> {
  const results: ServingStoreResult[] = [];
  for (const chunks of STORE_SIZES) {
    const r = await servingStoreInChild({
      chunks,
      queries: STORE_QUERIES,
      recallQueries: RECALL_QUERIES,
      clusters: CLUSTERS,
    });
    results.push(r);
    console.log(
      `serving index, ${r.chunks} synthetic chunks: built in ${r.buildMs} ms; ` +
        `rank ms p50/p95 hybrid ${r.hybrid.p50}/${r.hybrid.p95}, dense ${r.dense.p50}/${r.dense.p95}, ` +
        `bm25 ${r.bm25.p50}/${r.bm25.p95} (n ${r.hybrid.n}); dense recall@10 ${r.denseRecallAt10 ?? 'not measured'}; ` +
        `baseline (same run): an exact dense scan ${r.exactDenseMsPerQuery ?? '-'} ms a query; ` +
        `bytes a chunk: approximateBytes ${r.approximateBytesPerChunk}, RSS growth ${r.rssBytesPerChunk}, JS heap+external growth ${r.heapBytesPerChunk}`,
    );
  }
  const figures: Record<string, unknown> = {};
  for (const r of results) {
    const size = r.chunks % 1000 === 0 ? `${r.chunks / 1000}k` : String(r.chunks);
    figures[`storeP50Ms${size}`] = r.hybrid.p50;
    figures[`storeP95Ms${size}`] = r.hybrid.p95;
    figures[`buildMs${size}`] = r.buildMs;
    if (r.exactDenseMsPerQuery) {
      figures[`exactDenseMs${size}`] = r.exactDenseMsPerQuery;
      // the ratio against the baseline measured in the same run (lower is better)
      figures[`storeToExactScan${size}`] = round(r.hybrid.p50 / r.exactDenseMsPerQuery, 3);
    }
  }
  const recalls = results.filter((r) => r.denseRecallAt10 !== null);
  if (recalls.length) {
    figures.denseRecallAt10 = round(
      Math.min(...recalls.map((r) => r.denseRecallAt10 as number)),
      4,
    );
  }
  if (results.length) {
    // Resident growth is the honest figure when sizes agree on it (within 25%).
    const rss = results.map((r) => r.rssBytesPerChunk);
    const stable = Math.max(...rss) <= 1.25 * Math.min(...rss) && Math.min(...rss) > 0;
    figures.bytesPerChunk = stable ? rss[0] : results[0].approximateBytesPerChunk;
    figures.bytesPerChunkSource = stable ? 'rss' : 'approximateBytes';
    figures.approximateBytesPerChunk = results[0].approximateBytesPerChunk;
  }
  if (results.length > 1) {
    figures.plots = {
      storeTime: {
        title: 'Serving index: store time per hybrid search',
        xLabel: 'chunks',
        yLabel: 'ms',
        lines: [
          { name: 'p50', points: results.map((r) => [r.chunks, r.hybrid.p50]) },
          { name: 'p95', points: results.map((r) => [r.chunks, r.hybrid.p95]) },
        ],
      },
    };
  }
  return figures;
}

async function serviceFigures(): Promise<Record<string, unknown>> {
  const data = material();
  if (!data) return {};
  const { docs, queries } = data;
  // First, on a quiet machine: what the model alone does with batches and without.
  const model = await modelThroughput(queries);
  const ceiling = model.batched / model.single;
  console.log(
    `the bare model: ${round(model.batched)} queries/s at its best batch (${model.bestBatch} a call), ${round(model.single)}/s one a call: ${round(ceiling)}x (the most micro-batching can gain here)`,
  );
  const main = await startBenchService('search');
  const shared = {
    RAGLINE_QUEUE_PREFIX: main.config.prefix,
    RAGLINE_DATA_DIR: main.config.dataDir,
    RAGLINE_ROLE: 'api',
  };
  let peer: BenchService | undefined;
  let single: BenchService | undefined;
  let mainOpen = true;
  try {
    await seed(main, docs);
    await awaitServingIndex(main, queries[0]);
    peer = await startBenchService('search-peer', shared);
    console.log(`seeded ${docs.length} CISI documents; ${queries.length} queries`);

    const miss: SearchAnswer[] = [];
    for (const q of queries) miss.push(await search(main.url, q));
    const l1: SearchAnswer[] = [];
    for (let round = 0; round < 3; round++)
      for (const q of queries) l1.push(await search(main.url, q));
    const l2: SearchAnswer[] = [];
    for (const q of queries) l2.push(await search(peer.url, q));

    const tiers = (answers: SearchAnswer[], tier: string) =>
      answers.filter((a) => a.cache === tier).map((a) => a.took.totalMs);
    const overhead = miss
      .filter((a) => a.cache === 'miss')
      .map((a) => a.took.totalMs - (a.took.embedMs ?? 0) - (a.took.storeMs ?? 0));
    const figures = {
      l1: summary(tiers(l1, 'l1')),
      l2: summary(tiers(l2, 'l2')),
      miss: summary(tiers(miss, 'miss')),
      missOverhead: summary(overhead),
      missStore: summary(miss.filter((a) => a.cache === 'miss').map((a) => a.took.storeMs ?? 0)),
    };
    console.log('server-side ms      p50      p95      p99      n');
    for (const [name, s] of Object.entries(figures)) {
      console.log(
        `${name.padEnd(14)} ${String(s.p50).padStart(8)} ${String(s.p95).padStart(8)} ${String(s.p99).padStart(8)} ${String(s.n).padStart(6)}`,
      );
    }

    const batched = await missThroughput(main.url, queries, CONCURRENCY, 'mb');
    const unique = summary(batched.latencies);
    console.log(
      `unique searches, ${CONCURRENCY} in flight: ${round(batched.perSec)}/s, ` +
        `${round(batched.perSec / model.batched)} of the bare model's batched ${round(model.batched)}/s; ` +
        `round trip ms p50 ${unique.p50}, p95 ${unique.p95}`,
    );
    await peer.stop();
    peer = undefined;
    await main.app.close();
    mainOpen = false;
    single = await startBenchService('search-single', {
      RAGLINE_QUEUE_PREFIX: main.config.prefix,
      RAGLINE_DATA_DIR: main.config.dataDir,
      RAGLINE_SEARCH_BATCH_MAX: '1',
    });
    await awaitServingIndex(single, queries[0]);
    const unbatched = await missThroughput(single.url, queries, CONCURRENCY, 'one');
    console.log(
      `miss throughput, ${CONCURRENCY} in flight: micro-batched ${round(batched.perSec)}/s, one job per model call ${round(unbatched.perSec)}/s`,
    );

    return {
      l1HitP50Ms: figures.l1.p50,
      l1HitP95Ms: figures.l1.p95,
      l2HitP50Ms: figures.l2.p50,
      missP50Ms: figures.miss.p50,
      missP95Ms: figures.miss.p95,
      missOverheadP50Ms: figures.missOverhead.p50,
      missOverheadP95Ms: figures.missOverhead.p95,
      missStoreP50Ms: figures.missStore.p50,
      microBatchedPerSec: round(batched.perSec),
      singlePerSec: round(unbatched.perSec),
      microBatchSpeedup: round(batched.perSec / unbatched.perSec),
      modelBatchCeiling: round(ceiling),
      bareModelBatchedPerSec: round(model.batched),
      uniqueToBareModel: round(batched.perSec / model.batched),
      uniqueP95Ms: round(unique.p95, 1),
    };
  } finally {
    await peer?.stop();
    await single?.stop();
    // peer and single ran on main's prefix and folder: main's own clean-up removes them
    if (mainOpen) await main.stop();
    else await main.discard();
  }
}

async function main(): Promise<void> {
  const store = await servingStoreFigures();
  const service = await serviceFigures();
  const { plots, ...storeFigures } = store;
  printBenchLine({ ...service, ...storeFigures, ...(plots ? { plots } : {}) });
}

if (process.argv[2] === '--store') {
  const result = measureServingStore(JSON.parse(process.argv[3]) as ServingStoreJob);
  (process.send as NonNullable<typeof process.send>)(result, () => process.exit(0));
} else {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
