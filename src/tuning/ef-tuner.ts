import { performance } from 'node:perf_hooks';
import { quantile } from '../batching/quantile';
import type { TuneReport, TuneRow, TuneVariant } from '../contract';
import type { TuneParams } from '../queues/tune-job';
import type {
  Quantization,
  SampledPoint,
  SearchRequest,
  VectorStore,
} from '../store/vector-store.port';
import { neighbourRecall, neighbourTruth, type NeighbourTruth } from './recall';
import { recommend, variantNotes } from './recommend';

/** Recall is measured at 10, the API's default search limit. */
export const TUNE_K = 10;
/** Exact hits fetched past k + 1 (the point itself), so ties with the k-th neighbour are seen. */
const TRUTH_SLACK = 5;
/** Unmeasured searches before each variant's first row (the index's pages come into memory). */
const WARMUP_QUERIES = 10;

export interface TuneSubject {
  collection: string;
  quantization: Quantization;
}

/** Called with the fraction done (0..1) after every search. */
export type TuneProgress = (fraction: number) => void;

const round = (value: number, digits: number) => Number(value.toFixed(digits));

interface Timing {
  p50Ms: number;
  p95Ms: number;
  qps: number;
}

function timing(latencies: number[], wallMs: number): Timing {
  return {
    p50Ms: round(quantile(latencies, 0.5), 3),
    p95Ms: round(quantile(latencies, 0.95), 3),
    qps: round((latencies.length * 1000) / wallMs, 1),
  };
}

/**
 * Measures a collection on its own data: stored points sampled from it are the queries, exact
 * search (float32, no index) gives each one's true 10 nearest neighbours, and every `ef` in
 * each quantized variant the store offers is timed and scored against that truth (recall@10,
 * the point itself excluded, see recall.ts). Searches run one at a time, as single requests,
 * so the latencies are a search's own. The recommendation is made on the variant searches use.
 * A collection without an ANN index gets no numbers: its searches are exact scans.
 */
export async function tuneCollection(
  store: VectorStore,
  subject: TuneSubject,
  params: TuneParams,
  onProgress: TuneProgress = () => undefined,
): Promise<TuneReport> {
  const started = performance.now();
  const { collection, quantization } = subject;
  const info = await store.info(collection);
  if (!info)
    throw new Error(`collection '${collection}' does not exist in the ${store.kind} store`);
  const searchVariant: TuneVariant = quantization === 'int8' ? 'rescore' : 'none';
  const report: TuneReport = {
    collection,
    store: store.kind,
    quantization,
    status: 'measured',
    summary: '',
    points: info.points,
    samples: 0,
    k: TUNE_K,
    target: params.target,
    floor: params.floor,
    vectorIndex: info.vectorIndex,
    unindexedRows: info.unindexedRows,
    exact: null,
    searchVariant,
    rows: [],
    recommendation: null,
    notes: [],
    applied: null,
    measuredAt: new Date().toISOString(),
    durationMs: 0,
  };
  const finish = (): TuneReport => {
    report.durationMs = Math.round(performance.now() - started);
    onProgress(1);
    return report;
  };

  if (!info.indexed) {
    report.status = 'no-index';
    report.summary =
      `'${collection}' has no ANN index yet (${info.points} points): every search is an exact ` +
      'scan and ef changes nothing, so there is nothing to tune. The store builds the index ' +
      'once the collection is large enough.';
    return finish();
  }
  const sample = await store.sampleVectors(collection, params.samples);
  report.samples = sample.length;
  if (sample.length < 2) {
    report.status = 'too-small';
    report.summary = `'${collection}' holds ${info.points} points: too few to measure recall on.`;
    return finish();
  }

  const variants: TuneVariant[] =
    quantization === 'int8' ? [...store.quantizedSearchModes] : ['none'];
  const total = sample.length * (1 + variants.length * params.efs.length);
  let done = 0;
  const step = () => onProgress(Math.min(0.999, ++done / total));
  const search = async (request: SearchRequest) => (await store.search(collection, [request]))[0];

  // The truth, and what exact search costs.
  const truths: NeighbourTruth[] = [];
  const exactLatencies: number[] = [];
  const exactStarted = performance.now();
  for (const point of sample) {
    const t0 = performance.now();
    const hits = await search({
      mode: 'dense',
      vector: point.vector,
      limit: TUNE_K + 1 + TRUTH_SLACK,
      exact: true,
    });
    exactLatencies.push(performance.now() - t0);
    truths.push(neighbourTruth(point.id, hits, TUNE_K));
    step();
  }
  report.exact = timing(exactLatencies, performance.now() - exactStarted);

  const annRequest = (point: SampledPoint, ef: number, variant: TuneVariant): SearchRequest => ({
    mode: 'dense',
    vector: point.vector,
    limit: TUNE_K + 1,
    ef,
    ...(variant === 'none' ? {} : { quantization: variant }),
  });
  for (const variant of variants) {
    for (const point of sample.slice(0, WARMUP_QUERIES)) {
      await search(annRequest(point, params.efs[0], variant));
    }
    for (const ef of params.efs) {
      const latencies: number[] = [];
      const recalls: number[] = [];
      const rowStarted = performance.now();
      for (let i = 0; i < sample.length; i++) {
        const t0 = performance.now();
        const hits = await search(annRequest(sample[i], ef, variant));
        latencies.push(performance.now() - t0);
        recalls.push(neighbourRecall(sample[i].id, hits, truths[i], TUNE_K));
        step();
      }
      const row: TuneRow = {
        variant,
        ef,
        recall: round(recalls.reduce((a, b) => a + b, 0) / recalls.length, 4),
        recallP5: round(quantile(recalls, 0.05), 4),
        ...timing(latencies, performance.now() - rowStarted),
      };
      report.rows.push(row);
    }
  }

  report.recommendation = recommend(report.rows, searchVariant, params.target, params.floor);
  report.summary = summarise(report);
  report.notes = notes(report, store, params.samples);
  return finish();
}

function summarise(report: TuneReport): string {
  const r = report.recommendation;
  if (r) {
    const smallest = Math.min(...report.rows.map((row) => row.ef));
    let load: string;
    if (r.floorEf < r.ef) {
      load = `; under load the optimizer may lower it to ef ${r.floorEf} (recall ${r.floorRecall.toFixed(4)} >= floor ${report.floor})`;
    } else if (r.ef === smallest) {
      load = '; it is the smallest ef measured, so the optimizer keeps it under load';
    } else {
      load = `; no smaller measured ef keeps recall >= floor ${report.floor}, so the optimizer keeps it under load`;
    }
    return (
      `recommended ef ${r.ef}: recall@10 ${r.recall.toFixed(4)} >= ${report.target}, ` +
      `p50 ${r.p50Ms.toFixed(2)} ms, p95 ${r.p95Ms.toFixed(2)} ms${load}`
    );
  }
  const own = report.rows.filter((row) => row.variant === report.searchVariant);
  const best = own.reduce((a, b) => (b.recall > a.recall ? b : a), own[0]);
  const rebuild =
    report.quantization === 'int8'
      ? 'a larger hnsw.m / efConstruct, or quantization none'
      : 'a larger hnsw.m / efConstruct';
  return (
    `no recommendation: no measured ef reaches recall@10 ${report.target} ` +
    `(best ${best.recall.toFixed(4)} at ef ${best.ef}); measure larger ef values, or rebuild with ${rebuild}`
  );
}

function notes(report: TuneReport, store: VectorStore, asked: number): string[] {
  const out: string[] = [];
  if (report.samples < asked) {
    out.push(
      `the collection holds ${report.points} points: ${report.samples} sampled, not ${asked}`,
    );
  }
  if (report.unindexedRows > 0) {
    out.push(
      `${report.unindexedRows} of ${report.points} points are not in the ANN index yet and are ` +
        'scanned exactly, which flatters recall; the figures hold once store maintenance folds them in',
    );
  }
  if (report.quantization === 'int8' && !store.quantizedSearchModes.includes('ignore')) {
    out.push(
      `${store.kind} cannot search an int8 collection on float32 vectors alone (its graph is built ` +
        'over the int8 vectors), so int8 is compared with and without float32 re-ranking; ' +
        'for float32 throughout, create the collection with quantization none',
    );
  }
  out.push(...variantNotes(report.rows, report.searchVariant, report.target));
  return out;
}
