import { quantile } from '../../src/batching/quantile';
import { loadConfig } from '../../src/config/config';
import { createEmbedder } from '../../src/embedding';
import { bareModelThroughput } from '../../src/embedding/testing/bare-model-throughput';
import type { LoadMaterial } from './material';
import { UniqueQueries } from './unique-queries';

export interface BareThroughput {
  /** Queries embedded per second at the best batch size. */
  best: number;
  bestBatch: number;
  byBatch: Record<number, number>;
  poolSize: number | 'default';
  /**
   * One query at a time, nothing else running: the model's own latency, the floor under any
   * search p95 the service can reach on these queries (a p95 limit below it holds at no rate).
   */
  alone: { queries: number; p50Ms: number; p95Ms: number };
}

/** Queries timed one at a time for `alone`: enough for a stable p95, a few seconds at most. */
const ALONE_QUERIES = 60;

/**
 * The bare model's query throughput: one task of a batch size per model thread, every thread
 * busy, straight on the worker pool (same pool size setting as the service), on unique queries
 * of the same kind search-unique sends; the best batch size counts. Then its latency one query
 * at a time through the embedder. Run it while the service is not running: the two would share
 * the cores.
 */
export async function bareQueryThroughput(
  material: LoadMaterial,
  serviceEnv: Record<string, string>,
  secondsPerBatch: number,
  batchSizes: readonly number[] = [1, 2, 4, 8, 16, 32],
): Promise<BareThroughput> {
  const poolSize = loadConfig({ ...process.env, ...serviceEnv }).embedder.poolSize;
  // the last stream: never one a load step uses
  const stream = UniqueQueries.streams(material.vocabulary) - 1;
  const queries = new UniqueQueries(material.queries, material.vocabulary, stream);
  const throughput = await bareModelThroughput(() => queries.next(), {
    poolSize,
    secondsPerSize: secondsPerBatch,
    sizes: batchSizes,
  });
  const embedder = await createEmbedder({ provider: 'use-lite', poolSize });
  try {
    await embedder.embed([queries.next()]);
    const latencies: number[] = [];
    for (let i = 0; i < ALONE_QUERIES; i++) {
      const started = performance.now();
      await embedder.embed([queries.next()]);
      latencies.push(performance.now() - started);
    }
    const ms = (q: number) => Math.round(quantile(latencies, q) * 10) / 10;
    return {
      best: throughput.best,
      bestBatch: throughput.bestBatch,
      byBatch: throughput.byBatch,
      poolSize: poolSize ?? 'default',
      alone: { queries: ALONE_QUERIES, p50Ms: ms(0.5), p95Ms: ms(0.95) },
    };
  } finally {
    await embedder.close();
  }
}
