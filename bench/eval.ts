/**
 * Retrieval quality through the real HTTP API: ingests a BEIR-layout collection, runs its
 * judged queries in every mode, maps chunk hits back to documents (first occurrence wins) and
 * prints nDCG@10, Recall@100 and MRR@10.
 *
 *   npm run eval -- --dataset ../shared/datasets/cisi [--sweep] [--docs 500]
 *
 * --sweep also scores hybrid at several dense:bm25 weights (how the default was chosen).
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
import { documentsInOrder, mean, mrrAt, ndcgAt, recallAt } from './support/metrics';
import { progressBar, round } from './support/report';
import { awaitJobs, BenchService, postJson, startBenchService } from './support/service';

interface Args {
  datasets: string[];
  sweep: boolean;
  docs: number;
}

function parseArgs(argv: string[]): Args {
  const datasets: string[] = [];
  let sweep = false;
  let docs = Infinity;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--dataset') datasets.push(resolve(argv[++i]));
    else if (argv[i] === '--sweep') sweep = true;
    else if (argv[i] === '--docs') docs = Number(argv[++i]);
    else
      throw new Error(`unknown argument ${argv[i]}; usage: --dataset <dir> [--sweep] [--docs N]`);
  }
  if (datasets.length === 0) {
    for (const name of ['cisi', 'cranfield']) datasets.push(resolve(sharedDatasetsDir(), name));
  }
  return { datasets, sweep, docs };
}

interface Variant {
  label: string;
  mode: 'dense' | 'bm25' | 'hybrid';
  weights?: { dense: number; bm25: number };
}

interface Scores {
  ndcg10: number;
  recall100: number;
  mrr10: number;
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
  const per: Scores[] = [];
  const queries = data.queries;
  for (let i = 0; i < queries.length; i += 8) {
    const slice = queries.slice(i, i + 8);
    const res = await postJson<{ results: { hits: { documentId: string }[] }[] }>(
      `${service.url}/v1/collections/eval/search/batch`,
      {
        searches: slice.map((q) => ({
          query: q.text.slice(0, 2000),
          limit: 100,
          mode: variant.mode,
          ...(variant.weights ? { params: { weights: variant.weights } } : {}),
        })),
      },
    );
    if (res.status !== 200)
      throw new Error(`search answered ${res.status}: ${JSON.stringify(res.body)}`);
    res.body.results.forEach((result, j) => {
      const judged = data.qrels.get(slice[j].id) ?? new Map<string, number>();
      const ranked = documentsInOrder(result.hits);
      per.push({
        ndcg10: ndcgAt(ranked, judged, 10),
        recall100: recallAt(ranked, judged, 100),
        mrr10: mrrAt(ranked, judged, 10),
      });
    });
  }
  return {
    ndcg10: round(mean(per.map((s) => s.ndcg10)), 4),
    recall100: round(mean(per.map((s) => s.recall100)), 4),
    mrr10: round(mean(per.map((s) => s.mrr10)), 4),
  };
}

async function evaluate(dir: string, args: Args): Promise<Record<string, Scores>> {
  const data = loadBeirDataset(dir);
  console.log(
    `\n${data.name}: ${Math.min(args.docs, data.corpus.length)} documents, ${data.queries.length} judged queries`,
  );
  const service = await startBenchService(`eval-${data.name}`);
  try {
    await ingest(service, data, args.docs);
    const variants: Variant[] = [
      { label: 'dense', mode: 'dense' },
      { label: 'bm25', mode: 'bm25' },
      { label: 'hybrid (default)', mode: 'hybrid' },
    ];
    if (args.sweep) {
      for (const dense of [0.1, 0.2, 0.3, 0.5, 0.7, 1]) {
        variants.push({ label: `hybrid ${dense}:1`, mode: 'hybrid', weights: { dense, bm25: 1 } });
      }
    }
    const results: Record<string, Scores> = {};
    console.log(`${'mode'.padEnd(20)} nDCG@10  Recall@100  MRR@10`);
    for (const variant of variants) {
      const s = await score(service, data, variant);
      results[variant.label] = s;
      console.log(
        `${variant.label.padEnd(20)} ${s.ndcg10.toFixed(4)}   ${s.recall100.toFixed(4)}      ${s.mrr10.toFixed(4)}`,
      );
    }
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
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
