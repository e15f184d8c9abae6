import { quantile } from '../../src/batching/quantile';
import { loadConfig } from '../../src/config/config';
import { createEmbedder } from '../../src/embedding';
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
 * The bare model's query throughput: the embedding pool as the service builds it (same pool
 * size setting, no embedding cache), on unique queries of the same kind search-unique sends,
 * with two batches in flight as the search micro-batcher keeps them. Run it while the service
 * is not running: the two would share the cores.
 */
export async function bareQueryThroughput(
  material: LoadMaterial,
  serviceEnv: Record<string, string>,
  secondsPerBatch: number,
  batchSizes: readonly number[] = [8, 16, 32, 64],
): Promise<BareThroughput> {
  const poolSize = loadConfig({ ...process.env, ...serviceEnv }).embedder.poolSize;
  const embedder = await createEmbedder({ provider: 'use-lite', poolSize });
  // the last stream: never one a load step uses
  const stream = UniqueQueries.streams(material.vocabulary) - 1;
  const queries = new UniqueQueries(material.queries, material.vocabulary, stream);
  const batch = (size: number) => Array.from({ length: size }, () => queries.next());
  try {
    await embedder.embed(batch(16));
    await embedder.embed(batch(16));
    const byBatch: Record<number, number> = {};
    for (const size of batchSizes) {
      let texts = 0;
      const started = performance.now();
      const deadline = started + secondsPerBatch * 1000;
      await Promise.all(
        [0, 1].map(async () => {
          while (performance.now() < deadline) {
            await embedder.embed(batch(size));
            texts += size;
          }
        }),
      );
      byBatch[size] = Math.round((texts / ((performance.now() - started) / 1000)) * 10) / 10;
    }
    const bestBatch = batchSizes.reduce((a, b) => (byBatch[b] > byBatch[a] ? b : a));
    const latencies: number[] = [];
    for (let i = 0; i < ALONE_QUERIES; i++) {
      const started = performance.now();
      await embedder.embed(batch(1));
      latencies.push(performance.now() - started);
    }
    const ms = (q: number) => Math.round(quantile(latencies, q) * 10) / 10;
    return {
      best: byBatch[bestBatch],
      bestBatch,
      byBatch,
      poolSize: poolSize ?? 'default',
      alone: { queries: ALONE_QUERIES, p50Ms: ms(0.5), p95Ms: ms(0.95) },
    };
  } finally {
    await embedder.close();
  }
}
