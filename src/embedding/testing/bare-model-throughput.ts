import { quantile } from '../../batching/quantile';
import { USE_LITE_MAX_INPUT_TOKENS, useLiteInput } from '../use-lite.embedder';
import { UseLiteWorkerPool } from '../use-lite.pool';

export interface BareModelThroughput {
  /** Queries/s at the best task size. */
  best: number;
  bestBatch: number;
  /** Queries/s by texts per model call. */
  byBatch: Record<number, number>;
  threads: number;
  /** Latency of one query at a time, nothing else running: the floor under any search p95. */
  alone: { queries: number; p50Ms: number; p95Ms: number };
}

/**
 * What the model itself can do with queries: one task of `size` queries per thread, every
 * thread busy, straight on the worker pool. Independent of how the embedder groups a call into
 * tasks, so a change of that policy moves the service's figure, never this baseline. `next`
 * gives a fresh query each time (unique queries, no cache). Run it with nothing else running.
 */
export async function bareModelThroughput(
  next: () => string,
  options: {
    poolSize?: number;
    secondsPerSize: number;
    sizes: readonly number[];
    /** Queries timed one at a time for `alone`. Default 60: a stable p95 in a few seconds. */
    aloneQueries?: number;
    /**
     * Unmeasured seconds first, half at the smallest size and half at the largest. Default 3:
     * with one call per thread as the only warm-up, the first size timed (batch 1) read 66
     * queries/s where a warm pool does 95-110, because the model's code was still being optimised.
     */
    warmUpSeconds?: number;
  },
): Promise<BareModelThroughput> {
  const pool = await UseLiteWorkerPool.start({ size: options.poolSize });
  const batch = (size: number) => queryBatch(next, size);
  try {
    const warmUp = (options.warmUpSeconds ?? 3) / 2;
    await timeBatches(pool, next, Math.min(...options.sizes), warmUp);
    await timeBatches(pool, next, Math.max(...options.sizes), warmUp);
    const byBatch: Record<number, number> = {};
    for (const size of options.sizes) {
      byBatch[size] = await timeBatches(pool, next, size, options.secondsPerSize);
    }
    const bestBatch = options.sizes.reduce((a, b) => (byBatch[b] > byBatch[a] ? b : a));
    const latencies: number[] = [];
    for (let i = 0; i < (options.aloneQueries ?? 60); i++) {
      const started = performance.now();
      await pool.run(batch(1), USE_LITE_MAX_INPUT_TOKENS);
      latencies.push(performance.now() - started);
    }
    const ms = (q: number) => Math.round(quantile(latencies, q) * 10) / 10;
    return {
      best: byBatch[bestBatch],
      bestBatch,
      byBatch,
      threads: pool.size,
      alone: { queries: latencies.length, p50Ms: ms(0.5), p95Ms: ms(0.95) },
    };
  } finally {
    await pool.close();
  }
}

/**
 * Queries/s of `pool` with every thread busy on tasks of `size` queries for `seconds`, one
 * decimal. `next` gives a fresh query each time.
 */
export async function timeBatches(
  pool: UseLiteWorkerPool,
  next: () => string,
  size: number,
  seconds: number,
): Promise<number> {
  let texts = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: pool.size }, async () => {
      while (performance.now() < deadline) {
        await pool.run(queryBatch(next, size), USE_LITE_MAX_INPUT_TOKENS);
        texts += size;
      }
    }),
  );
  return Math.round((texts / ((performance.now() - started) / 1000)) * 10) / 10;
}

/** `size` fresh queries as the model is given them. */
function queryBatch(next: () => string, size: number): string[] {
  return Array.from({ length: size }, () => useLiteInput(next()));
}
