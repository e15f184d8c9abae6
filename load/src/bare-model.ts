import { loadConfig } from '../../src/config/config';
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

/**
 * The bare model's query throughput: one task of a batch size per model thread, every thread
 * busy, straight on the worker pool (same pool size setting as the service), on unique queries
 * of the same kind search-unique sends; the best batch size counts. Then its latency one query
 * at a time on the same pool. Run it while the service is not running: the two would share
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
  const bare = await bareModelThroughput(() => queries.next(), {
    poolSize,
    secondsPerSize: secondsPerBatch,
    sizes: batchSizes,
  });
  return {
    best: bare.best,
    bestBatch: bare.bestBatch,
    byBatch: bare.byBatch,
    poolSize: poolSize ?? 'default',
    alone: bare.alone,
  };
}

/**
 * A short look at the bare model's speed now: `seconds` at one batch size (the best of the
 * first measurement), every thread busy, on a pool of its own. Taken while the service idles
 * between steps, so a step is compared with what the model could do around the same minutes.
 */
export async function bareProbe(
  material: LoadMaterial,
  serviceEnv: Record<string, string>,
  batch: number,
  seconds: number,
): Promise<number> {
  const poolSize = loadConfig({ ...process.env, ...serviceEnv }).embedder.poolSize;
  const stream = UniqueQueries.streams(material.vocabulary) - 1;
  const queries = new UniqueQueries(material.queries, material.vocabulary, stream);
  const probe = await bareModelThroughput(() => queries.next(), {
    poolSize,
    secondsPerSize: seconds,
    sizes: [batch],
    aloneQueries: 1,
  });
  return probe.best;
}
