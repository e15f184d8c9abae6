import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  BeforeApplicationShutdown,
} from '@nestjs/common';
import { AdaptiveBatcher } from '../batching/adaptive-batcher';
import { CollectionRecords } from '../catalog/collection-records';
import { storeNameOf } from '../catalog/catalog.types';
import { throttledWarning } from '../common/throttled-warning';
import { APP_CONFIG, AppConfig } from '../config/config';
import { EmbedderRegistry } from '../embedding/embedder-registry';
import { MetricsService } from '../metrics/metrics.service';
import { MonitorService } from '../monitor/monitor.service';
import { TUNABLE } from '../monitor/tunables';
import { jobFailureError, jobFailureText } from '../queues/job-failure';
import { createWorker, drainWorker, onJobTimes, RaglineWorker } from '../queues/worker-factory';
import { VECTOR_STORE, VectorStore } from '../store/vector-store.port';
import { ServingIndexes } from '../serving/serving-indexes.service';
import { ExecutableSearch, SearchExecutor } from './search-executor';
import { searchJobFailure } from './search-failure';
import { SEARCH_QUEUE } from '../queues/queue-names';
import { SearchJobData, SearchJobResult } from '../queues/search-job';

/** The search micro-batcher's window: how long a batch waits for company under load. */
const SEARCH_BATCH_WAIT_MS = 2;

/**
 * Consumes the search queue. Many jobs are taken at once (concurrency) and fed into one
 * micro-batcher: with nothing in flight a search runs at once; under load, searches that
 * arrive while a batch runs share the next model call and store request.
 */
@Injectable()
export class SearchWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('SearchWorker');
  private readonly warnConnection = throttledWarning((m) => this.logger.warn(m));
  private readonly warnFailure = throttledWarning((m) => this.logger.warn(m));
  private worker?: RaglineWorker<SearchJobData, SearchJobResult>;
  private readonly batcher: AdaptiveBatcher<ExecutableSearch, SearchJobResult>;

  constructor(
    private readonly executor: SearchExecutor,
    private readonly embedders: EmbedderRegistry,
    private readonly collectionRecords: CollectionRecords,
    @Inject(VECTOR_STORE) private readonly store: VectorStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly monitor: MonitorService,
    private readonly metrics: MetricsService,
    private readonly serving: ServingIndexes,
  ) {
    this.batcher = new AdaptiveBatcher<ExecutableSearch, SearchJobResult>({
      name: 'search',
      run: (specs) => this.executor.run(specs),
      // A lone search never waits for company; under a backlog, batches of fewer than 4 only
      // cost throughput (measured: the model takes ~40 ms for 1 query, ~25 ms a query for 4-8).
      minSize: Math.min(4, config.search.batchMax),
      maxSize: config.search.batchMax,
      initialSize: Math.min(8, config.search.batchMax),
      maxWaitMs: SEARCH_BATCH_WAIT_MS,
      // Only a sanity ceiling. A search's latency is its wait plus its batch; under a backlog,
      // smaller batches mean lower throughput and longer waits (measured on a contended
      // machine with a 150 ms ceiling: batches shrank to 1 item and 40% of searches timed
      // out). Light load already gives small batches: a lone search never waits.
      latencyTargetMs: Math.max(500, Math.round(config.search.timeoutMs / 4)),
      concurrency: 2,
      onBatch: (r) => this.metrics.observeBatch('search', r.size, r.durationMs),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.warmUp();
    this.worker = createWorker<SearchJobData, SearchJobResult>(
      this.config,
      SEARCH_QUEUE,
      async (job) => {
        const queueMs = Date.now() - job.data.enqueuedAt;
        if (queueMs > this.config.search.timeoutMs) {
          // Its caller has had its 504: under a backlog, work nobody waits for only delays
          // the searches that can still be answered in time.
          this.metrics.countExpiredSearch();
          throw jobFailureError({
            code: 'expired',
            message: `expired: waited ${queueMs} ms in the queue (timeout ${this.config.search.timeoutMs} ms)`,
          });
        }
        try {
          const result = await this.batcher.submit({
            ...job.data.spec,
            version: job.data.version,
          });
          return { hits: result.hits, timings: { ...result.timings, queueMs } };
        } catch (error) {
          throw jobFailureError(searchJobFailure(error, job.data.spec));
        }
      },
      {
        concurrency: this.config.search.concurrency,
        lockDuration: 30_000,
        maxStalledCount: 0,
        progressAtCompletion: 'never',
      },
    );
    this.worker.on('error', (err) => this.warnConnection(`worker error: ${err.message}`));
    // The full reason stays here and in the job (Bull Board); the API answers without it.
    this.worker.on('failed', (job, err) =>
      this.warnFailure(`search job ${job?.id ?? '?'} failed: ${jobFailureText(err.message)}`),
    );
    onJobTimes(this.worker, (waitMs, runMs) => this.monitor.recordJob(SEARCH_QUEUE, waitMs, runMs));
    this.registerTunables(this.worker);
  }

  /** The knobs the optimizer may turn here, once they exist; baselines are the configured values. */
  private registerTunables(worker: RaglineWorker<SearchJobData, SearchJobResult>): void {
    const { search, monitor } = this.config;
    this.monitor.registerBatcher('search', this.batcher);
    this.monitor.registerTunable({
      name: TUNABLE.searchConcurrency,
      get: () => worker.concurrency,
      set: (v) => (worker.concurrency = v),
      min: 1,
      max: Math.max(256, search.concurrency),
      baseline: search.concurrency,
    });
    this.monitor.registerTunable({
      name: TUNABLE.searchMaxWaitMs,
      get: () => this.batcher.stats().maxWaitMs,
      set: (v) => this.batcher.setMaxWaitMs(v),
      min: 1,
      max: 20,
      baseline: SEARCH_BATCH_WAIT_MS,
    });
    // The executor's default ef: this worker is what runs the executor in this process.
    this.monitor.registerTunable({
      name: TUNABLE.searchEf,
      get: () => this.executor.defaultEf,
      set: (v) => (this.executor.defaultEf = v),
      min: monitor.efMin,
      max: monitor.efMax,
      baseline: search.defaultEf,
    });
  }

  /**
   * Loads the model, starts loading every collection's in-memory index and touches every
   * collection in the store, so the first real search is not the slow one.
   */
  private async warmUp(): Promise<void> {
    try {
      const embedder = await this.embedders.get(this.config.embedder.defaultId);
      const [vector] = await embedder.embed(['warm up the model']);
      for (const record of await this.collectionRecords.listCollections()) {
        // In the background: searches use the store until a collection's index is loaded.
        void this.serving.load(record.name, storeNameOf(record)).catch(() => undefined);
        if (record.embedder !== embedder.id) continue;
        await this.store
          .search(storeNameOf(record), [{ mode: 'dense', vector, limit: 1 }])
          .catch(() => undefined);
      }
    } catch (err) {
      this.logger.warn(`warm-up skipped: ${(err as Error).message}`);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.worker) await drainWorker(this.worker, this.config.shutdownTimeoutMs);
    await this.batcher.close();
  }
}
