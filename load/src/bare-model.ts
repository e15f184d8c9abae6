import { onExit } from './cleanup';
import { loadConfig } from '../../src/config/config';
import {
  bareModelThroughput,
  timeBatches,
} from '../../src/embedding/testing/bare-model-throughput';
import { UseLiteWorkerPool } from '../../src/embedding/use-lite.pool';
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

/** The service's model pool size, and unique queries of the kind search-unique sends. */
function bareInputs(
  material: LoadMaterial,
  serviceEnv: Record<string, string>,
): { poolSize: number | undefined; next: () => string } {
  const poolSize = loadConfig({ ...process.env, ...serviceEnv }).embedder.poolSize;
  // the last stream: never one a load step uses
  const stream = UniqueQueries.streams(material.vocabulary) - 1;
  const queries = new UniqueQueries(material.queries, material.vocabulary, stream);
  return { poolSize, next: () => queries.next() };
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
  const { poolSize, next } = bareInputs(material, serviceEnv);
  const bare = await bareModelThroughput(next, {
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

/** Unmeasured seconds that bring a new probe pool's model code up to speed. */
const PROBE_WARM_UP_SECONDS = 3;

/**
 * Short looks at the bare model's speed during a run: one pool of its own, started and warmed
 * up once (a fresh pool timed at once read up to a third low while its code was still being
 * optimised), idle between looks. Take them while the service idles between steps, so a step
 * is compared with what the model could do around the same minutes.
 */
export class BareProbe {
  private constructor(
    private readonly pool: UseLiteWorkerPool,
    private readonly next: () => string,
    readonly batch: number,
    private readonly forgetExitTask: () => void,
  ) {}

  static async start(
    material: LoadMaterial,
    serviceEnv: Record<string, string>,
    batch: number,
  ): Promise<BareProbe> {
    const { poolSize, next } = bareInputs(material, serviceEnv);
    const pool = await UseLiteWorkerPool.start({ size: poolSize });
    // a run that fails midway still ends the probe's threads
    const forget = onExit('bare-model probe', () => pool.close());
    const probe = new BareProbe(pool, next, batch, forget);
    await timeBatches(pool, probe.next, batch, PROBE_WARM_UP_SECONDS);
    return probe;
  }

  /** Queries/s at the probe's batch size over `seconds`, every thread busy. */
  measure(seconds: number): Promise<number> {
    return timeBatches(this.pool, this.next, this.batch, seconds);
  }

  close(): Promise<void> {
    this.forgetExitTask();
    return this.pool.close();
  }
}
