/**
 * Embedding throughput: USE lite in one worker thread vs the pool (one model per core), for
 * short queries and ~200-word chunks at several batch sizes, plus the main thread's event-loop
 * delay while the pool works (baseline: the same model run on the main thread), and one query
 * per call through the graph as the workers run it against tfjs's executeAsync, and mixed-length
 * batches of queries in the model calls the workers plan (by length) against one call a batch.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/embed.bench.js
 *
 * Env: EMBED_BENCH_CHUNKS (default 64), EMBED_BENCH_QUERIES (default 192),
 *      EMBED_BENCH_POOL (default: cores), EMBED_BENCH_BATCHES (default 1,4,8,16,32,64,128),
 *      EMBED_BENCH_ROUNDS (default 2: each figure is the best of this many interleaved runs,
 *      which keeps other processes on a shared machine from deciding the comparison).
 */
import { availableParallelism } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { initModel, type EmbeddingsModelData } from '@energetic-ai/embeddings';
import {
  loadUseVocabulary,
  normaliseEmbeddingText,
  UseLiteEmbedder,
  UseTokenizer,
} from '../src/embedding';
import type { EmbedPriority } from '../src/embedding/priority-task-queue';
import { loadSampleTexts, wordChunks } from '../src/embedding/sample-texts';
import { loadUseLiteModel } from '../src/embedding/use-lite-model';
import * as tfCore from '@energetic-ai/core';
import {
  createGraphRunner,
  sparseInput,
  type GraphRunner,
  type TensorFactory,
} from '../src/embedding/use-lite-graph';
import { planModelCalls } from '../src/embedding/use-lite-batch-plan';

const CHUNKS = Number(process.env.EMBED_BENCH_CHUNKS ?? 64);
const QUERIES = Number(process.env.EMBED_BENCH_QUERIES ?? 192);
const ROUNDS = Number(process.env.EMBED_BENCH_ROUNDS ?? 2);
const POOL_SIZE = Number(process.env.EMBED_BENCH_POOL ?? availableParallelism());
const BATCH_SIZES = (process.env.EMBED_BENCH_BATCHES ?? '1,4,8,16,32,64,128')
  .split(',')
  .map(Number);

/** Texts per second pushing `texts` through in batches, keeping `inFlight` calls going. */
async function throughput(
  embedder: UseLiteEmbedder,
  texts: string[],
  batchSize: number,
  inFlight: number,
  priority: EmbedPriority = 'interactive',
): Promise<number> {
  const batches: string[][] = [];
  for (let i = 0; i < texts.length; i += batchSize) batches.push(texts.slice(i, i + batchSize));
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < batches.length) await embedder.embed(batches[next++], { priority });
    }),
  );
  return texts.length / ((performance.now() - started) / 1000);
}

interface Row {
  batch: number;
  single: number;
  pool: number;
}

async function compare(
  label: string,
  single: UseLiteEmbedder,
  pool: UseLiteEmbedder,
  texts: string[],
): Promise<Row[]> {
  // Enough calls in flight to keep every worker busy, the same for both.
  const inFlight = Math.max(2, 2 * POOL_SIZE);
  const rows: Row[] = BATCH_SIZES.map((batch) => ({ batch, single: 0, pool: 0 }));
  for (let round = 0; round < ROUNDS; round++) {
    for (const row of rows) {
      row.single = Math.max(row.single, await throughput(single, texts, row.batch, inFlight));
      row.pool = Math.max(row.pool, await throughput(pool, texts, row.batch, inFlight));
    }
  }
  console.log(
    `\n${label}: ${texts.length} texts, texts/s (single worker vs pool of ${POOL_SIZE}, best of ${ROUNDS})`,
  );
  console.log('batch   single     pool   ratio');
  for (const { batch, single: a, pool: b } of rows) {
    console.log(
      `${String(batch).padStart(5)} ${a.toFixed(1).padStart(8)} ${b.toFixed(1).padStart(8)} ${(b / a).toFixed(2).padStart(7)}`,
    );
  }
  return rows;
}

function best(rows: Row[], key: 'single' | 'pool'): Row {
  return rows.reduce((a, b) => (b[key] > a[key] ? b : a));
}

/** p99 of this thread's event-loop delay, in ms, while `work` runs. */
async function eventLoopP99(work: () => Promise<unknown>): Promise<{ p99: number; max: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  // The histogram drops its first tick, so let it tick before the work can block the loop.
  await new Promise((resolve) => setTimeout(resolve, 20));
  await work();
  // A loop blocked until now records its last delay on the next timer tick: let it.
  await new Promise((resolve) => setTimeout(resolve, 20));
  histogram.disable();
  return { p99: histogram.percentile(99) / 1e6, max: histogram.max / 1e6 };
}

async function tokenizerTimes(
  chunks: string[],
): Promise<{ reference: number; fast: number; limited: number }> {
  const vocabulary = loadUseVocabulary();
  const noModel = null as unknown as EmbeddingsModelData['model'];
  const { tokenizer: reference } = await initModel(async () => ({ vocabulary, model: noModel }));
  const fast = new UseTokenizer(vocabulary);
  const time = (fn: (text: string) => unknown): number => {
    for (const chunk of chunks.slice(0, 10)) fn(chunk);
    const started = performance.now();
    for (const chunk of chunks) fn(chunk);
    return (performance.now() - started) / chunks.length;
  };
  return {
    reference: time((t) => reference.encode(t)),
    fast: time((t) => fast.encode(t)),
    limited: time((t) => fast.encode(t, 128)),
  };
}

/**
 * One query per call in this thread, as a search miss reaches a model thread: the graph as one
 * compiled plan (what the workers run) against tfjs's executeAsync (the package's way). CPU
 * time per query, the least of GRAPH_ROUNDS interleaved runs (another tenant of a shared
 * machine only ever adds to a run's CPU time, so the least is the cleanest), for short queries
 * (up to 32 tokens, most of what a search box sends) and long ones apart: the saving is per call, about
 * 1-2 ms, so it shows on short queries and vanishes into the arithmetic of long ones.
 */
const GRAPH_ROUNDS = 7;
const SHORT_QUERY_TOKENS = 32;

interface GraphTimes {
  queries: number;
  compiledMs: number;
  executeAsyncMs: number;
}

interface GraphRunners {
  compiled: GraphRunner;
  executeAsync: GraphRunner;
}

/** One model, run both ways: as the workers run it, and through tfjs's executeAsync. */
async function graphRunners(tokenizer: UseTokenizer): Promise<GraphRunners> {
  const model = await loadUseLiteModel();
  const tf = tfCore as unknown as TensorFactory;
  const encode = (text: string) => tokenizer.encode(text);
  return {
    compiled: await createGraphRunner(model.model, tf, encode),
    executeAsync: await createGraphRunner(model.model, tf, encode, { compiled: false }),
  };
}

type GraphInput = ReturnType<typeof sparseInput>;

/**
 * CPU ms a query of each way (a runner and the calls it makes for `queries` queries), the least
 * of GRAPH_ROUNDS rounds that run every way in turn.
 */
async function leastCpuMsPerQuery<Way extends string>(
  ways: Record<Way, { runner: GraphRunner; calls: GraphInput[] }>,
  queries: number,
): Promise<Record<Way, number>> {
  const names = Object.keys(ways) as Way[];
  const least = Object.fromEntries(names.map((name) => [name, Infinity])) as Record<Way, number>;
  for (let round = 0; round < GRAPH_ROUNDS; round++) {
    for (const name of names) {
      const { runner, calls } = ways[name];
      const before = process.cpuUsage();
      for (const { indices, values } of calls) await runner.run(indices, values);
      const used = process.cpuUsage(before);
      least[name] = Math.min(least[name], (used.user + used.system) / 1000 / queries);
    }
  }
  return least;
}

async function graphRunnerTimes(
  runners: GraphRunners,
  queries: string[],
  tokenizer: UseTokenizer,
): Promise<{ short: GraphTimes; long: GraphTimes }> {
  const inputs = queries.map((query) =>
    sparseInput([query], (text) => tokenizer.encode(text, 128)),
  );
  const groups = {
    short: inputs.filter(({ values }) => values.length <= SHORT_QUERY_TOKENS).slice(0, 48),
    long: inputs.filter(({ values }) => values.length > SHORT_QUERY_TOKENS).slice(0, 48),
  };
  const timeGroup = async (group: GraphInput[]): Promise<GraphTimes> => {
    if (group.length === 0) return { queries: 0, compiledMs: Infinity, executeAsyncMs: Infinity };
    const least = await leastCpuMsPerQuery(
      {
        executeAsync: { runner: runners.executeAsync, calls: group },
        compiled: { runner: runners.compiled, calls: group },
      },
      group.length,
    );
    return {
      queries: group.length,
      compiledMs: least.compiled,
      executeAsyncMs: least.executeAsync,
    };
  };
  return { short: await timeGroup(groups.short), long: await timeGroup(groups.long) };
}

/**
 * Queries of mixed length, 4 at a time in arrival order (what a search batch under load looks
 * like): the model calls the workers plan for them (texts of similar length together) against
 * one call a batch (every row padded to the batch's longest) and one call a query. CPU per
 * query in this thread, the least of GRAPH_ROUNDS interleaved runs.
 */
const MIXED_BATCH = 4;

interface CallPlanTimes {
  queries: number;
  plannedMs: number;
  oneCallMs: number;
  oneByOneMs: number;
  /** Model calls the plan made for the batches. */
  plannedCalls: number;
}

async function callPlanTimes(
  runner: GraphRunner,
  queries: string[],
  tokenizer: UseTokenizer,
): Promise<CallPlanTimes> {
  const ids = queries.slice(0, 48).map((query) => tokenizer.encode(query, 128));
  const batches: number[][][] = [];
  for (let i = 0; i < ids.length; i += MIXED_BATCH) batches.push(ids.slice(i, i + MIXED_BATCH));
  const asInput = (rows: number[][]) => sparseInput(rows, (row) => row);
  const planned = batches.flatMap((batch) =>
    planModelCalls(batch.map((row) => row.length)).map((call) =>
      asInput(call.map((i) => batch[i])),
    ),
  );
  const least = await leastCpuMsPerQuery(
    {
      oneCall: { runner, calls: batches.map(asInput) },
      planned: { runner, calls: planned },
      oneByOne: { runner, calls: ids.map((row) => asInput([row])) },
    },
    ids.length,
  );
  return {
    queries: ids.length,
    plannedMs: least.planned,
    oneCallMs: least.oneCall,
    oneByOneMs: least.oneByOne,
    plannedCalls: planned.length,
  };
}

async function main(): Promise<void> {
  const samples = loadSampleTexts();
  console.log(`embed bench: text from ${samples.source}; ${availableParallelism()} cores`);
  const chunks = wordChunks(samples.documents, 200, CHUNKS).map(normaliseEmbeddingText);
  const queries = samples.queries.slice(0, QUERIES).map(normaliseEmbeddingText);
  if (chunks.length < 16 || queries.length < 16) {
    console.log('embed bench: not enough sample text found, skipping');
    console.log(`BENCH ${JSON.stringify({ skipped: true })}`);
    return;
  }

  const tokens = await tokenizerTimes(chunks);
  console.log(
    `tokenizer ms per 200-word chunk: reference ${tokens.reference.toFixed(2)}, fast ${tokens.fast.toFixed(3)}, fast cut at 128 tokens ${tokens.limited.toFixed(3)} (${(tokens.reference / tokens.limited).toFixed(0)}x)`,
  );

  const tokenizer = new UseTokenizer(loadUseVocabulary());
  const runners = await graphRunners(tokenizer);
  const graph = await graphRunnerTimes(runners, queries, tokenizer);
  for (const [label, times] of [
    [`up to ${SHORT_QUERY_TOKENS} tokens`, graph.short],
    [`over ${SHORT_QUERY_TOKENS} tokens`, graph.long],
  ] as const) {
    if (times.queries === 0) continue;
    console.log(
      `one query per call in this thread, ${times.queries} queries of ${label}, CPU ms a query: graph as one compiled plan ${times.compiledMs.toFixed(2)}, executeAsync ${times.executeAsyncMs.toFixed(2)} (${(times.executeAsyncMs / times.compiledMs).toFixed(2)}x)`,
    );
  }

  const plan = await callPlanTimes(runners.compiled, queries, tokenizer);
  console.log(
    `${plan.queries} queries in batches of ${MIXED_BATCH} as they come, CPU ms a query: planned by length (${plan.plannedCalls} calls) ${plan.plannedMs.toFixed(2)}, one call a batch ${plan.oneCallMs.toFixed(2)} (${(plan.oneCallMs / plan.plannedMs).toFixed(2)}x), one call a query ${plan.oneByOneMs.toFixed(2)} (${(plan.oneByOneMs / plan.plannedMs).toFixed(2)}x)`,
  );

  const single = await UseLiteEmbedder.create({ poolSize: 1 });
  const pool = await UseLiteEmbedder.create({ poolSize: POOL_SIZE });
  try {
    // Warm both (first inferences compile kernels and grow WASM memory).
    await throughput(single, chunks.slice(0, 16), 8, 2);
    await throughput(pool, chunks.slice(0, 16), 8, 2 * POOL_SIZE);

    const queryRows = await compare('short queries', single, pool, queries);
    const chunkRows = await compare('200-word chunks', single, pool, chunks);

    const bestChunkSingle = best(chunkRows, 'single');
    const bestChunkPool = best(chunkRows, 'pool');
    const bestQuerySingle = best(queryRows, 'single');
    const bestQueryPool = best(queryRows, 'pool');

    await single.close();
    const idleDelay = await eventLoopP99(() => new Promise((resolve) => setTimeout(resolve, 3000)));
    console.log(
      `\nevent-loop delay on the main thread, idle for 3 s (machine noise): p99 ${idleDelay.p99.toFixed(1)} ms, max ${idleDelay.max.toFixed(1)} ms`,
    );
    const workload = [...chunks, ...chunks, ...chunks];
    const poolDelay = await eventLoopP99(() =>
      throughput(pool, workload, 16, 2 * POOL_SIZE, 'bulk'),
    );
    console.log(
      `event-loop delay on the main thread while the pool (as the service runs it: documents at nice +10) embeds ${workload.length} chunks: p99 ${poolDelay.p99.toFixed(1)} ms, max ${poolDelay.max.toFixed(1)} ms`,
    );
    await pool.close();
    const plainPool = await UseLiteEmbedder.create({
      poolSize: POOL_SIZE,
      workerBulkNiceIncrement: 0,
    });
    const plainDelay = await eventLoopP99(() =>
      throughput(plainPool, workload, 16, 2 * POOL_SIZE, 'bulk'),
    );
    await plainPool.close();
    console.log(
      `the same pool with documents at nice 0: p99 ${plainDelay.p99.toFixed(1)} ms, max ${plainDelay.max.toFixed(1)} ms`,
    );
    const model = await loadUseLiteModel();
    const baselineDelay = await eventLoopP99(async () => {
      for (let i = 0; i < Math.min(48, chunks.length); i += 16) {
        await model.embed(chunks.slice(i, i + 16));
      }
    });
    console.log(
      `baseline, the same model on the main thread (${Math.min(48, chunks.length)} chunks, batch 16): p99 ${baselineDelay.p99.toFixed(1)} ms, max ${baselineDelay.max.toFixed(1)} ms`,
    );

    const result = {
      singleTextsPerSec: round(bestChunkSingle.single),
      poolTextsPerSec: round(bestChunkPool.pool),
      poolSpeedup: round(bestChunkPool.pool / bestChunkSingle.single, 2),
      eventLoopP99Ms: round(poolDelay.p99, 2),
      chunkBestBatchSingle: bestChunkSingle.batch,
      chunkBestBatchPool: bestChunkPool.batch,
      querySingleTextsPerSec: round(bestQuerySingle.single),
      queryPoolTextsPerSec: round(bestQueryPool.pool),
      queryPoolSpeedup: round(bestQueryPool.pool / bestQuerySingle.single, 2),
      queryBestBatchSingle: bestQuerySingle.batch,
      queryBestBatchPool: bestQueryPool.batch,
      eventLoopP99MsIdle: round(idleDelay.p99, 2),
      eventLoopP99MsDocumentsAtNice0: round(plainDelay.p99, 2),
      eventLoopP99MsModelOnMainThread: round(baselineDelay.p99, 1),
      shortQueryCpuMsCompiled: round(graph.short.compiledMs, 2),
      shortQueryCpuMsExecuteAsync: round(graph.short.executeAsyncMs, 2),
      shortQueryExecuteAsyncToCompiled: speedup(graph.short),
      longQueryExecuteAsyncToCompiled: speedup(graph.long),
      mixedBatchCpuMsPlanned: round(plan.plannedMs, 2),
      mixedBatchCpuMsOneCall: round(plan.oneCallMs, 2),
      mixedBatchCpuMsOneByOne: round(plan.oneByOneMs, 2),
      mixedBatchOneCallToPlanned: round(plan.oneCallMs / plan.plannedMs, 2),
      mixedBatchOneByOneToPlanned: round(plan.oneByOneMs / plan.plannedMs, 2),
      tokenizerMsPerChunkReference: round(tokens.reference, 3),
      tokenizerMsPerChunkFast: round(tokens.limited, 3),
      poolSize: POOL_SIZE,
      cores: availableParallelism(),
    };
    console.log(
      `\nheadline (200-word chunks, best batch of each): single ${result.singleTextsPerSec}/s, pool ${result.poolTextsPerSec}/s, speedup ${result.poolSpeedup} (goal >= 1.7); event-loop p99 ${result.eventLoopP99Ms} ms (goal < 20)`,
    );
    console.log(`BENCH ${JSON.stringify(result)}`);
  } finally {
    await single.close();
    await pool.close();
  }
}

/** executeAsync's CPU a query over the compiled plan's; null when the sample had no such queries. */
function speedup(times: GraphTimes): number | null {
  return times.queries > 0 ? round(times.executeAsyncMs / times.compiledMs, 2) : null;
}

function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
