/**
 * Retrieval quality through the real HTTP API: ingests a BEIR-layout collection, runs its
 * judged queries in every mode, maps chunk hits back to documents (first occurrence wins) and
 * prints nDCG@10, Recall@100 and MRR@10, beside textbook BM25 (whole documents, k1 0.9, b 0.4,
 * Porter stemming, English stop words) computed in-process from the same corpus: the baseline
 * no mode may fall below. One BENCH line per dataset.
 *
 *   npm run eval -- --dataset ../shared/datasets/cisi [--sweep] [--robustness] [--docs 500]
 *
 * --sweep also scores hybrid at several dense:bm25 weights (how the default was chosen).
 * --robustness makes the dense side worse, step by step, and fuses it with BM25 offline at the
 * collection's weights: how much weaker an embedder can be before the default loses to BM25.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  BeirDataset,
  documentText,
  hasBeirDataset,
  loadBeirDataset,
  sharedDatasetsDir,
} from './support/beir';
import type { CollectionInfo } from '../src/contract/collections';
import { fusionRobustness, QueryCandidates } from './support/fusion-robustness';
import { documentsInOrder, mean, mrrAt, ndcgAt, recallAt } from './support/metrics';
import { printBenchLine, progressBar, round } from './support/report';
import { waitForServing } from './support/serving';
import { LexicalIndex, queryTerms, TEXTBOOK_BM25 } from '../src/serving/lexical-index';
import { awaitJobs, BenchService, postJson, startBenchService } from './support/service';

interface Args {
  datasets: string[];
  sweep: boolean;
  robustness: boolean;
  docs: number;
}

function parseArgs(argv: string[]): Args {
  const datasets: string[] = [];
  let sweep = false;
  let robustness = false;
  let docs = Infinity;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--dataset') datasets.push(resolve(argv[++i]));
    else if (argv[i] === '--sweep') sweep = true;
    else if (argv[i] === '--robustness') robustness = true;
    else if (argv[i] === '--docs') docs = Number(argv[++i]);
    else
      throw new Error(
        `unknown argument ${argv[i]}; usage: --dataset <dir> [--sweep] [--robustness] [--docs N]`,
      );
  }
  if (datasets.length === 0) {
    for (const name of ['cisi', 'cranfield']) datasets.push(resolve(sharedDatasetsDir(), name));
  }
  return { datasets, sweep, robustness, docs };
}

interface Variant {
  label: string;
  /** Absent: the collection's default mode. */
  mode?: 'dense' | 'bm25' | 'hybrid';
  weights?: { dense: number; bm25: number };
}

interface Scores {
  ndcg10: number;
  recall100: number;
  mrr10: number;
}

/** Waits until the worker answers from its in-memory index (not the store, while it loads). */
async function servedFromMemory(service: BenchService): Promise<void> {
  const info = await fetch(`${service.url}/v1/collections/eval`);
  const { chunks } = (await info.json()) as { chunks: number };
  await postJson(`${service.url}/v1/collections/eval/search`, { query: 'warm up', mode: 'bm25' });
  await waitForServing(service.url, chunks);
  console.log(`${chunks} chunks served from memory`);
}

async function ingest(service: BenchService, data: BeirDataset, docs: number): Promise<void> {
  await postJson(`${service.url}/v1/collections/eval`, {}, 'PUT');
  const corpus = data.corpus.slice(0, docs);
  const ids: string[] = [];
  for (let i = 0; i < corpus.length; i += 250) {
    const res = await postJson<{ jobs: { id: string }[] }>(
      `${service.url}/v1/collections/eval/documents`,
      {
        documents: corpus.slice(i, i + 250).map((d) => ({ id: d.id, text: documentText(d) })),
      },
    );
    if (res.status !== 202)
      throw new Error(`ingest answered ${res.status}: ${JSON.stringify(res.body)}`);
    ids.push(...res.body.jobs.map((j) => j.id));
  }
  const bar = progressBar(`ingest ${data.name}`, ids.length);
  const views = await awaitJobs(service.url, ids, (n) => bar.update(n));
  bar.stop();
  const failed = views.filter((v) => v.state === 'failed').length;
  if (failed) throw new Error(`${failed} ingest jobs failed`);
}

async function score(service: BenchService, data: BeirDataset, variant: Variant): Promise<Scores> {
  const rankings: string[][] = [];
  const queries = data.queries;
  for (let i = 0; i < queries.length; i += 8) {
    const slice = queries.slice(i, i + 8);
    const res = await postJson<{ results: { hits: { documentId: string }[] }[] }>(
      `${service.url}/v1/collections/eval/search/batch`,
      {
        searches: slice.map((q) => ({
          query: q.text.slice(0, 2000),
          limit: 100,
          ...(variant.mode ? { mode: variant.mode } : {}),
          ...(variant.weights ? { params: { weights: variant.weights } } : {}),
        })),
      },
    );
    if (res.status !== 200)
      throw new Error(`search answered ${res.status}: ${JSON.stringify(res.body)}`);
    res.body.results.forEach((result) => rankings.push(documentsInOrder(result.hits)));
  }
  return scoresOf(rankings, data);
}

/** One side's candidate documents with their scores (grouped by document, `depth` deep). */
async function candidates(
  service: BenchService,
  query: string,
  mode: 'dense' | 'bm25',
  depth: number,
): Promise<Map<string, number>> {
  const scores = new Map<string, number>();
  for (let offset = 0; offset < depth; offset += 100) {
    const res = await postJson<{ hits: { documentId: string; score: number }[] }>(
      `${service.url}/v1/collections/eval/search`,
      { query, mode, groupBy: 'document', limit: Math.min(100, depth - offset), offset },
    );
    if (res.status !== 200)
      throw new Error(`search answered ${res.status}: ${JSON.stringify(res.body)}`);
    for (const hit of res.body.hits) scores.set(hit.documentId, hit.score);
  }
  return scores;
}

/**
 * The dense side made worse step by step and fused offline with BM25. Candidates as the
 * default search fuses them: 200 BM25 documents, and the documents of the graph's 64 nearest
 * chunks (about 50).
 */
async function robustness(service: BenchService, data: BeirDataset, docs: number): Promise<void> {
  const info = await fetch(`${service.url}/v1/collections/eval`);
  const { hybridWeights } = ((await info.json()) as CollectionInfo).config;
  const queries: QueryCandidates[] = [];
  const bar = progressBar('candidates', data.queries.length);
  for (const q of data.queries) {
    const text = q.text.slice(0, 2000);
    queries.push({
      dense: await candidates(service, text, 'dense', 50),
      bm25: await candidates(service, text, 'bm25', 200),
      judged: data.qrels.get(q.id) ?? new Map<string, number>(),
    });
    bar.update(queries.length);
  }
  bar.stop();
  const corpus = data.corpus.slice(0, docs).map((d) => d.id);
  const { bm25, rows } = fusionRobustness(queries, hybridWeights, corpus);
  console.log(
    `\nthe dense side made worse, fused offline at dense ${hybridWeights.dense} : bm25 ${hybridWeights.bm25} (BM25 candidates alone: ${bm25.toFixed(4)}; noisy rows: mean of 5 seeds)`,
  );
  console.log(`${'dense side'.padEnd(22)} dense    fused    fused vs BM25`);
  for (const row of rows) {
    const change = ((row.fused - bm25) / bm25) * 100;
    console.log(
      `${row.label.padEnd(22)} ${row.dense.toFixed(4)}   ${row.fused.toFixed(4)}   ${change >= 0 ? '+' : ''}${change.toFixed(1)}%`,
    );
  }
}

function scoresOf(rankings: string[][], data: BeirDataset): Scores {
  const per = rankings.map((ranked, i) => {
    const judged = data.qrels.get(data.queries[i].id) ?? new Map<string, number>();
    return {
      ndcg10: ndcgAt(ranked, judged, 10),
      recall100: recallAt(ranked, judged, 100),
      mrr10: mrrAt(ranked, judged, 10),
    };
  });
  return {
    ndcg10: round(mean(per.map((s) => s.ndcg10)), 4),
    recall100: round(mean(per.map((s) => s.recall100)), 4),
    mrr10: round(mean(per.map((s) => s.mrr10)), 4),
  };
}

/** Textbook BM25 over whole documents, in-process: independent of the service. */
function textbookBm25(data: BeirDataset, docs: number): Scores {
  const index = new LexicalIndex(TEXTBOOK_BM25);
  for (const d of data.corpus.slice(0, docs)) index.setDocument(d.id, documentText(d));
  const rankings = data.queries.map((q) =>
    index
      .searchDocuments(queryTerms(q.text.slice(0, 2000)), 100)
      .map((s) => index.documentIdOf(s.slot)),
  );
  return scoresOf(rankings, data);
}

async function evaluate(dir: string, args: Args): Promise<Record<string, Scores>> {
  const data = loadBeirDataset(dir);
  console.log(
    `\n${data.name}: ${Math.min(args.docs, data.corpus.length)} documents, ${data.queries.length} judged queries`,
  );
  const service = await startBenchService(`eval-${data.name}`);
  try {
    await ingest(service, data, args.docs);
    await servedFromMemory(service);
    const variants: Variant[] = [
      { label: 'default' },
      { label: 'dense', mode: 'dense' },
      { label: 'bm25', mode: 'bm25' },
      { label: 'hybrid', mode: 'hybrid' },
    ];
    if (args.sweep) {
      for (const dense of [0.1, 0.15, 0.25, 0.4, 0.6, 1]) {
        variants.push({ label: `hybrid ${dense}:1`, mode: 'hybrid', weights: { dense, bm25: 1 } });
      }
    }
    const baseline = textbookBm25(data, args.docs);
    const results: Record<string, Scores> = { textbookBm25: baseline };
    const show = (label: string, s: Scores) =>
      console.log(
        `${label.padEnd(20)} ${s.ndcg10.toFixed(4)}   ${s.recall100.toFixed(4)}      ${s.mrr10.toFixed(4)}   ${label === 'textbook BM25' ? '' : `${s.ndcg10 >= baseline.ndcg10 ? '+' : ''}${(((s.ndcg10 - baseline.ndcg10) / baseline.ndcg10) * 100).toFixed(1)}%`}`,
      );
    console.log(`${'mode'.padEnd(20)} nDCG@10  Recall@100  MRR@10   vs textbook BM25`);
    show('textbook BM25', baseline);
    for (const variant of variants) {
      const s = await score(service, data, variant);
      results[variant.label] = s;
      show(variant.label, s);
    }
    if (args.robustness) await robustness(service, data, args.docs);
    return results;
  } finally {
    await service.stop();
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const present = args.datasets.filter((d) => existsSync(d) && hasBeirDataset(d));
  for (const missing of args.datasets.filter((d) => !present.includes(d))) {
    console.log(
      `skipping ${missing}: no BEIR collection there (corpus.jsonl, queries.jsonl, qrels/test.tsv)`,
    );
  }
  const all: Record<string, Record<string, Scores>> = {};
  for (const dir of present) all[loadBeirDataset(dir).name] = await evaluate(dir, args);
  console.log(`EVAL ${JSON.stringify(all)}`);
  for (const [dataset, scores] of Object.entries(all)) {
    printBenchLine({
      dataset,
      textbookBm25: scores.textbookBm25.ndcg10,
      default: scores.default.ndcg10,
      dense: scores.dense.ndcg10,
      bm25: scores.bm25.ndcg10,
      hybrid: scores.hybrid.ndcg10,
    });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
