/**
 * Ingest throughput of the whole pipeline (HTTP -> queue -> parse -> chunk -> embed -> store)
 * against the bare embedder on the same chunk texts, in one run, plus the speed-up of
 * re-ingesting the unchanged corpus.
 *
 *   npm run bench:ingest            (BENCH_INGEST_DOCS=300 for a quicker run)
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readdirSync, readFileSync } from 'node:fs';
import { UseLiteEmbedder, useLiteTokenBudget } from '../src/embedding';
import { chunksFor } from '../src/ingest/chunking';
import { documentText, hasBeirDataset, loadBeirDataset, sharedDatasetsDir } from './support/beir';
import { printBenchLine, progressBar, round } from './support/report';
import { awaitJobs, postJson, startBenchService } from './support/service';

interface Doc {
  id: string;
  text: string;
}

function corpus(): { name: string; docs: Doc[] } {
  const limit = Number(process.env.BENCH_INGEST_DOCS ?? Infinity);
  const dir = join(sharedDatasetsDir(), process.env.BENCH_INGEST_DATASET ?? 'cisi');
  if (hasBeirDataset(dir)) {
    const data = loadBeirDataset(dir);
    return {
      name: data.name,
      docs: data.corpus.slice(0, limit).map((d) => ({ id: d.id, text: documentText(d) })),
    };
  }
  console.log(
    `${dir} is absent: using the Markdown docs shipped in node_modules/fastify/docs instead`,
  );
  const root = join(process.cwd(), 'node_modules', 'fastify', 'docs', 'Reference');
  const docs = readdirSync(root)
    .filter((f) => f.endsWith('.md'))
    .slice(0, limit)
    .map((f) => ({ id: f, text: readFileSync(join(root, f), 'utf8') }));
  return { name: 'fastify-docs', docs };
}

async function bareEmbedder(texts: string[]): Promise<number> {
  const embedder = await UseLiteEmbedder.create({ poolSize: availableParallelism() });
  try {
    await embedder.embed(texts.slice(0, 4));
    const batch = 16;
    const bar = progressBar('bare embedder', texts.length);
    let next = 0;
    let done = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: availableParallelism() }, async () => {
        while (next < texts.length) {
          const slice = texts.slice(next, (next += batch));
          await embedder.embed(slice);
          bar.update((done += slice.length));
        }
      }),
    );
    bar.stop();
    return texts.length / ((performance.now() - started) / 1000);
  } finally {
    await embedder.close();
  }
}

async function ingestAll(
  base: string,
  docs: Doc[],
  label: string,
): Promise<{ seconds: number; chunks: number; skipped: number }> {
  const started = performance.now();
  const ids: string[] = [];
  for (let i = 0; i < docs.length; i += 250) {
    const res = await postJson<{ jobs: { id: string }[] }>(
      `${base}/v1/collections/bench/documents`,
      {
        documents: docs.slice(i, i + 250).map((d) => ({ id: d.id, text: d.text })),
      },
    );
    if (res.status !== 202)
      throw new Error(`ingest answered ${res.status}: ${JSON.stringify(res.body)}`);
    ids.push(...res.body.jobs.map((j) => j.id));
  }
  const bar = progressBar(label, ids.length);
  const views = await awaitJobs(base, ids, (n) => bar.update(n));
  bar.stop();
  const seconds = (performance.now() - started) / 1000;
  const failed = views.filter((v) => v.state === 'failed');
  if (failed.length)
    throw new Error(`${failed.length} jobs failed, e.g. ${failed[0].failedReason}`);
  const sum = (key: string) => views.reduce((n, v) => n + (v.result?.[key] ?? 0), 0);
  return {
    seconds,
    chunks: sum('chunksAdded') + sum('chunksUpdated'),
    skipped: sum('chunksSkipped'),
  };
}

async function main(): Promise<void> {
  const { name, docs } = corpus();
  const budget = useLiteTokenBudget();
  const service = await startBenchService('ingest');
  const texts = docs.flatMap((d) =>
    chunksFor('text', d.text, budget, service.config.chunking).map((c) => c.text),
  );
  console.log(
    `corpus ${name}: ${docs.length} documents, ${texts.length} chunks; ${availableParallelism()} cores`,
  );

  try {
    await postJson(`${service.url}/v1/collections/bench`, {}, 'PUT');
    const first = await ingestAll(service.url, docs, 'ingest');
    const again = await ingestAll(service.url, docs, 're-ingest');
    const embedderChunksPerSec = await bareEmbedder(texts);
    const pipelineChunksPerSec = first.chunks / first.seconds;
    const figures = {
      corpus: name,
      documents: docs.length,
      chunks: first.chunks,
      pipelineSeconds: round(first.seconds),
      pipelineChunksPerSec: round(pipelineChunksPerSec),
      embedderChunksPerSec: round(embedderChunksPerSec),
      ratio: round(pipelineChunksPerSec / embedderChunksPerSec, 3),
      reingestSeconds: round(again.seconds),
      reingestSkippedChunks: again.skipped,
      reingestSpeedup: round(first.seconds / again.seconds, 1),
    };
    console.log('');
    console.log(
      `pipeline:   ${figures.pipelineChunksPerSec} chunks/s (${figures.chunks} chunks in ${figures.pipelineSeconds} s)`,
    );
    console.log(
      `embedder:   ${figures.embedderChunksPerSec} chunks/s (same chunk texts, pool of ${availableParallelism()}, batches of 16)`,
    );
    console.log(`ratio:      ${figures.ratio}`);
    console.log(
      `re-ingest:  ${figures.reingestSeconds} s, ${figures.reingestSpeedup}x faster (${figures.reingestSkippedChunks} chunks skipped)`,
    );
    printBenchLine(figures);
  } finally {
    await service.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
