import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { CollectionRecords } from '../catalog/collection-records';
import { storeNameOf } from '../catalog/catalog.types';
import { MonitorService } from '../monitor/monitor.service';
import { TASK, TUNABLE } from '../monitor/tunables';
import { VECTOR_STORE, VectorStore } from '../store/vector-store.port';

/**
 * Tells the monitor about the store's maintenance in a worker process: its unindexed rows, the
 * optimize task and, with Qdrant, the bulk-load switch. (Queues, batchers, workers and the
 * cache register their own counts and knobs once they exist.)
 */
@Injectable()
export class StoreMaintenanceRegistrar implements OnApplicationBootstrap {
  constructor(
    private readonly monitor: MonitorService,
    private readonly collectionRecords: CollectionRecords,
    @Inject(VECTOR_STORE) private readonly store: VectorStore,
  ) {}

  onApplicationBootstrap(): void {
    this.monitor.registerProbe('unindexedRows', () => this.unindexedRows());
    this.monitor.registerTask(TASK.optimizeStore, () => this.optimizeAll());
    if (this.store.kind === 'qdrant') {
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
    for (const record of await this.collectionRecords.listCollections()) {
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
