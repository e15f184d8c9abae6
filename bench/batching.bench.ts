/**
 * Ingest throughput of the whole pipeline with the adaptive embedding batcher against fixed
 * batch sizes 1, 8, 32 and 128, and against the bare embedder at its best batch size, on the
 * same corpus in one run. Each pipeline run uses a fresh service (fresh embedding cache).
 *
 *   npm run bench:batching        (BENCH_BATCHING_DOCS=150 by default)
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BatchersService } from '../src/batching/batchers.service';
import { UseLiteEmbedder, useLiteTokenBudget } from '../src/embedding';
import { chunksFor } from '../src/ingest/chunking';
import { loadConfig } from '../src/config/config';
import { documentText, hasBeirDataset, loadBeirDataset, sharedDatasetsDir } from './support/beir';
import { printBenchLine, round } from './support/report';
import type { PlotSpec } from './support/svg-plot';
import { awaitJobs, postJson, startBenchService } from './support/service';

const DOCS = Number(process.env.BENCH_BATCHING_DOCS ?? 150);

const SAMPLE_MS = 500;

interface BatchSample {
  seconds: number;
  /** Chunks per model call among the calls made since the previous sample. */
  meanSize: number;
  target: number;
}

/** Samples the embedding batchers every SAMPLE_MS: mean batch size per interval and target. */
function sampleBatches(batchers: BatchersService, started: number): () => BatchSample[] {
  const samples: BatchSample[] = [];
  let last = { batches: 0, items: 0 };
  const timer = setInterval(() => {
    const embed = batchers.all().filter((b) => b.name.startsWith('embed:'));
    const stats = embed.map((b) => b.stats());
    const now = {
      batches: stats.reduce((n, s) => n + s.batches, 0),
      items: stats.reduce((n, s) => n + s.items, 0),
    };
    if (now.batches > last.batches) {
      samples.push({
        seconds: round((performance.now() - started) / 1000, 1),
        meanSize: round((now.items - last.items) / (now.batches - last.batches), 1),
        target: stats[0]?.target ?? 0,
      });
    }
    last = now;
  }, SAMPLE_MS);
  return () => {
    clearInterval(timer);
    return samples;
  };
}

async function pipeline(
  docs: { id: string; text: string }[],
  env: Record<string, string>,
): Promise<{ perSec: number; batches: number[]; overTime: BatchSample[] }> {
  const service = await startBenchService('batching', env);
  try {
    await postJson(`${service.url}/v1/collections/bench`, {}, 'PUT');
    const started = performance.now();
    const stopSampling = sampleBatches(service.app.get(BatchersService), started);
    const ids: string[] = [];
    for (let i = 0; i < docs.length; i += 250) {
      const res = await postJson<{ jobs: { id: string }[] }>(
        `${service.url}/v1/collections/bench/documents`,
        { documents: docs.slice(i, i + 250) },
      );
      ids.push(...res.body.jobs.map((j) => j.id));
    }
    const views = await awaitJobs(service.url, ids);
    const seconds = (performance.now() - started) / 1000;
    const overTime = stopSampling();
    const chunks = views.reduce((n, v) => n + (v.result?.chunksAdded ?? 0), 0);
    const perf = await fetch(`${service.url}/v1/health/performance`).then(
      (r) => r.json() as Promise<{ batching?: Record<string, { target?: number }> }>,
    );
    const targets = Object.entries(perf.batching ?? {})
      .filter(([name]) => name.startsWith('embed'))
      .map(([, b]) => b.target ?? 0);
    return { perSec: chunks / seconds, batches: targets, overTime };
  } finally {
    await service.stop();
  }
}

async function bare(texts: string[], batch: number): Promise<number> {
  const embedder = await UseLiteEmbedder.create({ poolSize: availableParallelism() });
  try {
    await embedder.embed(texts.slice(0, 2));
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: availableParallelism() }, async () => {
        while (next < texts.length) await embedder.embed(texts.slice(next, (next += batch)));
      }),
    );
    return texts.length / ((performance.now() - started) / 1000);
  } finally {
    await embedder.close();
  }
}

async function main(): Promise<void> {
  const dir = join(sharedDatasetsDir(), 'cisi');
  if (!hasBeirDataset(dir)) {
    console.log(`${dir} is absent: the shared datasets are not here, nothing to benchmark`);
    return;
  }
  const docs = loadBeirDataset(dir)
    .corpus.slice(0, DOCS)
    .map((d) => ({ id: d.id, text: documentText(d) }));
  const budget = useLiteTokenBudget();
  const texts = docs.flatMap((d) =>
    chunksFor('text', d.text, budget, loadConfig({}).chunking).map((c) => c.text),
  );
  console.log(
    `CISI: ${docs.length} documents, ${texts.length} chunks, ${availableParallelism()} cores`,
  );

  const bareRates: Record<number, number> = {};
  for (const size of [1, 8, 16, 32]) bareRates[size] = await bare(texts, size);
  const bestBare = Math.max(...Object.values(bareRates));
  console.log(
    `bare embedder chunks/s by batch: ${JSON.stringify(Object.fromEntries(Object.entries(bareRates).map(([k, v]) => [k, round(v)])))}`,
  );

  const fixed: Record<number, number> = {};
  for (const size of [1, 8, 32, 128]) {
    fixed[size] = (await pipeline(docs, { RAGLINE_EMBED_BATCH_FIXED: String(size) })).perSec;
    console.log(
      `pipeline, fixed batch ${String(size).padStart(3)}: ${round(fixed[size])} chunks/s`,
    );
  }
  const adaptive = await pipeline(docs, {});
  console.log(
    `pipeline, adaptive:        ${round(adaptive.perSec)} chunks/s (final target ${adaptive.batches.join(', ')})`,
  );
  const bestFixed = Math.max(...Object.values(fixed));
  const batchSizeOverTime: PlotSpec = {
    title: `Embedding batch size over time, adaptive batcher (CISI, ${docs.length} documents)`,
    xLabel: 'seconds since the ingest began',
    yLabel: 'chunks per model call',
    markers: false,
    lines: [
      {
        name: `mean batch size per ${SAMPLE_MS} ms`,
        points: adaptive.overTime.map((s) => [s.seconds, s.meanSize]),
      },
      { name: 'target', points: adaptive.overTime.map((s) => [s.seconds, s.target]) },
    ],
  };
  printBenchLine({
    adaptiveChunksPerSec: round(adaptive.perSec),
    fixedChunksPerSec: Object.fromEntries(Object.entries(fixed).map(([k, v]) => [k, round(v)])),
    bareEmbedderBestChunksPerSec: round(bestBare),
    adaptiveToBestFixed: round(adaptive.perSec / bestFixed, 3),
    adaptiveToBatch1: round(adaptive.perSec / fixed[1], 3),
    pipelineToEmbedder: round(adaptive.perSec / bestBare, 3),
    // What any batching can gain over one chunk a call, on the bare model: adaptiveToBatch1's ceiling.
    bareBestToBatch1: round(bestBare / bareRates[1], 3),
    plots: { batchSizeOverTime },
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
