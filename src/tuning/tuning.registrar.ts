import { getQueueToken } from '@nestjs/bullmq';
import { Inject, Injectable, OnApplicationBootstrap, Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Queue } from 'bullmq';
import { BatchersService } from '../batching/batchers.service';
import { CatalogService } from '../catalog/catalog.service';
import { storeNameOf } from '../catalog/catalog.types';
import { APP_CONFIG, AppConfig } from '../config/config';
import { IngestWorker } from '../ingest/ingest.worker';
import { MetricsService } from '../metrics/metrics.service';
import { MonitorService } from '../monitor/monitor.service';
import { ALL_QUEUES } from '../queues/queue-names';
import { TASK, TUNABLE } from '../monitor/tunables';
import { SearchCache } from '../search/search-cache';
import { SearchExecutor } from '../search/search-executor';
import { SearchWorker } from '../search/search.worker';
import { VECTOR_STORE, VectorStore } from '../store/vector-store.port';

/**
 * Tells the monitor what this process has (which depends on its role): the queues to count,
 * the batchers to watch, the knobs the optimizer may turn, the store's unindexed rows and the
 * store maintenance task.
 */
@Injectable()
export class TuningRegistrar implements OnApplicationBootstrap {
  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly monitor: MonitorService,
    private readonly metrics: MetricsService,
    private readonly catalog: CatalogService,
    @Inject(VECTOR_STORE) private readonly store: VectorStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private optional<T>(type: Type<T> | string): T | undefined {
    try {
      return this.moduleRef.get<T>(type, { strict: false });
    } catch {
      return undefined;
    }
  }

  onApplicationBootstrap(): void {
    for (const name of ALL_QUEUES) {
      const queue = this.optional<Queue>(getQueueToken(name));
      if (queue) this.monitor.registerQueue(name, queue);
      this.metrics.trackQueue(name);
    }
    this.registerApiKnobs();
    this.registerWorkerKnobs();
  }

  private registerApiKnobs(): void {
    const cache = this.optional(SearchCache);
    if (!cache) return;
    this.monitor.registerTunable({
      name: TUNABLE.l1MaxEntries,
      get: () => cache.l1MaxEntries,
      set: (v) => (cache.l1MaxEntries = v),
      min: Math.min(100, this.config.search.l1MaxEntries),
      max: this.config.search.l1MaxEntries,
    });
  }

  private registerWorkerKnobs(): void {
    const batchers = this.optional(BatchersService);
    const ingest = this.optional(IngestWorker);
    const search = this.optional(SearchWorker);
    const executor = this.optional(SearchExecutor);
    if (batchers) {
      this.monitor.registerBatchers(() => batchers.all());
      const embed = () => batchers.all().find((b) => b.stats().name.startsWith('embed:'));
      this.monitor.registerTunable({
        name: TUNABLE.embedBatchTarget,
        get: () => embed()?.target ?? 16,
        set: (v) => embed()?.setTarget(v),
        min: 1,
        max: 128,
      });
    }
    if (ingest) {
      this.monitor.registerTunable({
        name: TUNABLE.ingestConcurrency,
        get: () => ingest.concurrency,
        set: (v) => (ingest.concurrency = v),
        min: 1,
        max: Math.max(64, this.config.ingest.concurrency),
      });
    }
    if (search) {
      this.monitor.registerBatcher('search', search.batcher);
      this.monitor.registerTunable({
        name: TUNABLE.searchConcurrency,
        get: () => search.concurrency,
        set: (v) => (search.concurrency = v),
        min: 1,
        max: Math.max(256, this.config.search.concurrency),
      });
      this.monitor.registerTunable({
        name: TUNABLE.searchMaxWaitMs,
        get: () => search.batcher.stats().maxWaitMs,
        set: (v) => search.batcher.setMaxWaitMs(v),
        min: 1,
        max: 20,
      });
    }
    if (executor) {
      this.monitor.registerTunable({
        name: TUNABLE.searchEf,
        get: () => executor.defaultEf,
        set: (v) => (executor.defaultEf = v),
        min: this.config.monitor.efMin,
        max: this.config.monitor.efMax,
        baseline: this.config.search.defaultEf,
      });
    }
    if (batchers || search) {
      this.monitor.registerProbe('unindexedRows', () => this.unindexedRows());
      this.monitor.registerTask(TASK.optimizeStore, () => this.optimizeAll());
    }
    if (this.store.kind === 'qdrant' && batchers) {
      let bulk = 0;
      this.monitor.registerTunable({
        name: TUNABLE.bulkLoad,
        get: () => bulk,
        set: (v) => {
          bulk = v >= 1 ? 1 : 0;
          void this.eachCollection((name) => this.store.setBulkLoad(name, bulk === 1));
        },
        min: 0,
        max: 1,
        baseline: 0,
      });
    }
  }

  /** Runs `action` on the store collection of every collection. */
  private async eachCollection(action: (storeName: string) => Promise<unknown>): Promise<void> {
    for (const record of await this.catalog.listCollections()) {
      await action(storeNameOf(record)).catch(() => undefined);
    }
  }

  private async unindexedRows(): Promise<number> {
    let total = 0;
    await this.eachCollection(
      async (name) => (total += (await this.store.info(name))?.unindexedRows ?? 0),
    );
    return total;
  }

  private async optimizeAll(): Promise<void> {
    await this.eachCollection((name) => this.store.optimize(name));
  }
}
