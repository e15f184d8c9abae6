/**
 * Search latency by tier, server-side (the `took` the service reports): L1 hits, L2 hits (a
 * second api process sharing the Redis), misses, and for misses the part spent outside the
 * model and the store (queue and plumbing). Then miss throughput with micro-batching against
 * one job per model call (RAGLINE_SEARCH_BATCH_MAX=1), same queries, same run.
 *
 *   npm run bench:search          (BENCH_SEARCH_DOCS, BENCH_SEARCH_QUERIES to resize)
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { documentText, hasBeirDataset, loadBeirDataset, sharedDatasetsDir } from './support/beir';
import { UseLiteEmbedder } from '../src/embedding';
import { printBenchLine, round } from './support/report';
import { summary } from './support/stats';
import { awaitJobs, BenchService, postJson, startBenchService } from './support/service';

interface SearchAnswer {
  cache: string;
  took: { totalMs: number; queueMs?: number; embedMs?: number; storeMs?: number };
}

const DOCS = Number(process.env.BENCH_SEARCH_DOCS ?? 400);
const QUERIES = Number(process.env.BENCH_SEARCH_QUERIES ?? 200);

function material(): { docs: { id: string; text: string }[]; queries: string[] } {
  const dir = join(sharedDatasetsDir(), 'cisi');
  if (!hasBeirDataset(dir)) {
    console.log(`${dir} is absent: nothing to benchmark on (the shared datasets are not here)`);
    process.exit(0);
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
 * The most micro-batching can give: the bare model's query throughput in batches of `batch`
 * against one query per call, two calls in flight as in the service, on the same queries.
 */
async function modelBatchCeiling(queries: string[], batch: number): Promise<number> {
  const embedder = await UseLiteEmbedder.create({ poolSize: availableParallelism() });
  try {
    const rate = async (size: number, tag: string) => {
      const texts = queries.map((q) => `${q} ${tag}`);
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: 2 }, async () => {
          while (next < texts.length) await embedder.embed(texts.slice(next, (next += size)));
        }),
      );
      return texts.length / ((performance.now() - started) / 1000);
    };
    await rate(batch, 'warm');
    return (await rate(batch, 'batched')) / (await rate(1, 'single'));
  } finally {
    await embedder.close();
  }
}

const search = (url: string, query: string, extra: Record<string, unknown> = {}) =>
  postJson<SearchAnswer>(`${url}/v1/collections/bench/search`, { query, limit: 10, ...extra }).then(
    (r) => {
      if (r.status !== 200) throw new Error(`search answered ${r.status}`);
      return r.body;
    },
  );

/** Unique searches with `concurrency` in flight; searches/s. */
async function missThroughput(
  url: string,
  queries: string[],
  concurrency: number,
  tag: string,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < queries.length) await search(url, `${queries[next++]} ${tag}`);
    }),
  );
  return queries.length / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const { docs, queries } = material();
  // First, on a quiet machine: what the model alone gains from batches.
  const ceiling = await modelBatchCeiling(queries, 8);
  console.log(
    `the bare model, batches of 8 against 1 query a call: ${round(ceiling)}x (the most micro-batching can gain here)`,
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
    };
    console.log('server-side ms      p50      p95      p99      n');
    for (const [name, s] of Object.entries(figures)) {
      console.log(
        `${name.padEnd(14)} ${String(s.p50).padStart(8)} ${String(s.p95).padStart(8)} ${String(s.p99).padStart(8)} ${String(s.n).padStart(6)}`,
      );
    }

    const batched = await missThroughput(main.url, queries, 32, 'mb');
    await peer.stop();
    peer = undefined;
    await main.app.close();
    mainOpen = false;
    single = await startBenchService('search-single', {
      RAGLINE_QUEUE_PREFIX: main.config.prefix,
      RAGLINE_DATA_DIR: main.config.dataDir,
      RAGLINE_SEARCH_BATCH_MAX: '1',
    });
    const unbatched = await missThroughput(single.url, queries, 32, 'one');
    console.log(
      `miss throughput, 32 in flight: micro-batched ${round(batched)}/s, one job per model call ${round(unbatched)}/s`,
    );

    printBenchLine({
      l1HitP50Ms: figures.l1.p50,
      l1HitP95Ms: figures.l1.p95,
      l2HitP50Ms: figures.l2.p50,
      missP50Ms: figures.miss.p50,
      missP95Ms: figures.miss.p95,
      missOverheadP50Ms: figures.missOverhead.p50,
      missOverheadP95Ms: figures.missOverhead.p95,
      microBatchedPerSec: round(batched),
      singlePerSec: round(unbatched),
      microBatchSpeedup: round(batched / unbatched),
      modelBatchCeiling: round(ceiling),
    });
  } finally {
    await peer?.stop();
    await single?.stop();
    // peer and single ran on main's prefix and folder: main's own clean-up removes them
    if (mainOpen) await main.stop();
    else await main.discard();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
