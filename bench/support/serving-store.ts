import { performance } from 'node:perf_hooks';
import { seededRandom } from '../../src/common/seeded-random';
import { loadConfig } from '../../src/config/config';
import { queryTerms } from '../../src/serving/lexical-index';
import { ServedChunk, servingCollectionFor } from '../../src/serving/serving-collection';
import { bruteForceTopK } from './exact-search';
import { summary } from './stats';
import { clusterCentres, clusteredVectors, gaussian } from './synthetic-vectors';
import { zipfTexts } from './synthetic-text';

/**
 * The in-memory serving index (src/serving) on a synthetic collection, no model: clustered
 * 512-dim unit vectors and Zipf-distributed chunk texts, five chunks a document. Measures
 * build time, memory per chunk, hybrid rank time and dense recall@10 against exact search.
 * Meant to run alone in a child process, so its memory growth is its own.
 */
export interface ServingStoreJob {
  chunks: number;
  /** Timed hybrid queries (after a warm-up). */
  queries: number;
  /** Queries for dense recall (0: skip the exact search). */
  recallQueries: number;
  clusters: number;
}

export interface ServingStoreResult {
  chunks: number;
  buildMs: number;
  approximateBytesPerChunk: number;
  rssBytesPerChunk: number;
  heapBytesPerChunk: number;
  hybrid: { p50: number; p95: number; p99: number; n: number };
  dense: { p50: number; p95: number; p99: number; n: number };
  bm25: { p50: number; p95: number; p99: number; n: number };
  denseRecallAt10: number | null;
  /** The baseline of the same run: an exact (brute-force) dense scan per query, ms. */
  exactDenseMsPerQuery: number | null;
}

const DIMS = 512;
const K = 10;
const CHUNKS_PER_DOCUMENT = 5;
const WARMUP_QUERIES = 50;
const TERMS_PER_QUERY = 4;
/** A query vector's noise around the stored point it is drawn from (cosine to it ≈ 0.9). */
const QUERY_NOISE = 0.5;

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** The stored point `p` plus Gaussian noise of norm ≈ QUERY_NOISE, normalised. */
function perturbed(data: Float32Array, p: number, normal: () => number): Float32Array {
  const v = new Float32Array(DIMS);
  let norm = 0;
  for (let i = 0; i < DIMS; i++) {
    v[i] = data[p * DIMS + i] + (QUERY_NOISE / Math.sqrt(DIMS)) * normal();
    norm += v[i] * v[i];
  }
  norm = Math.sqrt(norm);
  for (let i = 0; i < DIMS; i++) v[i] /= norm;
  return v;
}

function timed(count: number, run: (j: number) => unknown): number[] {
  for (let j = 0; j < WARMUP_QUERIES; j++) run(count + j);
  const times: number[] = [];
  for (let j = 0; j < count; j++) {
    const started = performance.now();
    run(j);
    times.push(performance.now() - started);
  }
  return times;
}

export function measureServingStore(job: ServingStoreJob): ServingStoreResult {
  // The settings a worker's serving index runs with (ServingIndexes.newIndex; config defaults).
  const config = loadConfig({});
  const data = clusteredVectors(clusterCentres(job.clusters, DIMS, 1), DIMS, job.chunks, 2);
  const nextText = zipfTexts({
    vocabulary: 50_000,
    exponent: 1,
    minWords: 60,
    maxWords: 100,
    seed: 3,
  });
  collectGarbage();
  const before = process.memoryUsage();

  const collection = servingCollectionFor(config.search);
  const texts: string[] = [];
  const started = performance.now();
  const batch = 100 * CHUNKS_PER_DOCUMENT;
  for (let from = 0; from < job.chunks; from += batch) {
    const points: Array<ServedChunk & { vector: Float32Array }> = [];
    for (let p = from; p < Math.min(job.chunks, from + batch); p++) {
      const text = nextText();
      texts[p] = text;
      const chunkIndex = p % CHUNKS_PER_DOCUMENT;
      points.push({
        id: `c${p}`,
        documentId: `d${Math.floor(p / CHUNKS_PER_DOCUMENT)}`,
        chunkIndex,
        text,
        headingPath: [],
        start: chunkIndex * 1000,
        end: chunkIndex * 1000 + text.length,
        metadata: { source: 'synthetic' },
        vector: data.subarray(p * DIMS, (p + 1) * DIMS),
      });
    }
    collection.apply(points, []);
  }
  const buildMs = performance.now() - started;
  collectGarbage();
  const after = process.memoryUsage();

  const random = seededRandom(4);
  const normal = gaussian(random);
  const pick = () => Math.floor(random() * job.chunks);
  const requests = Array.from({ length: job.queries + WARMUP_QUERIES }, () => {
    const p = pick();
    const words = texts[p].split(' ');
    const terms = Array.from(
      { length: TERMS_PER_QUERY },
      () => words[Math.floor(random() * words.length)],
    );
    return { vector: perturbed(data, p, normal), terms: queryTerms(terms.join(' ')) };
  });
  const weights = config.search.hybridWeights;
  const ef = config.search.defaultEf;
  const rank = (mode: 'hybrid' | 'dense' | 'bm25') => (j: number) =>
    collection.rank({ mode, ...requests[j], weights, documents: K, ef });
  const hybrid = summary(timed(job.queries, rank('hybrid')));
  const dense = summary(timed(job.queries, rank('dense')));
  const bm25 = summary(timed(job.queries, rank('bm25')));

  let denseRecallAt10: number | null = null;
  let exactDenseMsPerQuery: number | null = null;
  if (job.recallQueries > 0) {
    // Queries near stored points; the point itself is left out of both the truth and the answer.
    const sources = Array.from({ length: job.recallQueries }, pick);
    const queries = new Float32Array(job.recallQueries * DIMS);
    sources.forEach((p, j) => queries.set(perturbed(data, p, normal), j * DIMS));
    const scanStarted = performance.now();
    const truth = bruteForceTopK(data, queries, DIMS, K + 1);
    exactDenseMsPerQuery = (performance.now() - scanStarted) / job.recallQueries;
    let found = 0;
    sources.forEach((p, j) => {
      const expected = new Set(truth[j].filter((t) => t !== p).slice(0, K));
      // Ranking K + 1 documents keeps the K + 1 best chunks (each belongs to a ranked document).
      const ranked = collection.rank({
        mode: 'dense',
        vector: queries.subarray(j * DIMS, (j + 1) * DIMS),
        weights,
        documents: K + 1,
        ef,
      });
      const answer = (ranked ?? [])
        .flatMap((d) => d.chunks)
        .sort((a, b) => b.score - a.score)
        .map((h) => Number(h.id.slice(1)))
        .filter((id) => id !== p)
        .slice(0, K);
      for (const id of answer) if (expected.has(id)) found++;
    });
    denseRecallAt10 = found / (K * job.recallQueries);
  }

  return {
    chunks: collection.size,
    buildMs: Math.round(buildMs),
    approximateBytesPerChunk: Math.round(collection.approximateBytes() / collection.size),
    rssBytesPerChunk: Math.round((after.rss - before.rss) / job.chunks),
    heapBytesPerChunk: Math.round(
      (after.heapUsed + after.external - before.heapUsed - before.external) / job.chunks,
    ),
    hybrid,
    dense,
    bm25,
    denseRecallAt10,
    exactDenseMsPerQuery:
      exactDenseMsPerQuery === null ? null : Math.round(exactDenseMsPerQuery * 1000) / 1000,
  };
}
