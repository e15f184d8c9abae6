import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import { APP_CONFIG, AppConfig } from '../config/config';
import { CircuitBreakers, STORE_READS, STORE_WRITES } from '../resilience/circuit-breakers';
import { BreakerStore } from './breaker.store';
import { LanceDbStore } from './lancedb.store';
import { QdrantStore } from './qdrant.store';
import { isStoreOutage } from './store-failures';
import { VECTOR_STORE, VectorStore } from './vector-store.port';

export async function openVectorStore(config: AppConfig): Promise<VectorStore> {
  if (config.store.kind === 'qdrant') {
    return new QdrantStore({
      url: config.store.qdrantUrl as string,
      apiKey: config.store.qdrantApiKey,
      distribution: config.store.qdrantDistribution,
    });
  }
  return LanceDbStore.open({
    dataDir: join(config.dataDir, 'lancedb'),
    indexThreshold: config.store.lancedbIndexThreshold,
  });
}

/** The configured store behind its read and write circuit breakers (unless those are off). */
export async function openGuardedStore(
  config: AppConfig,
  breakers: CircuitBreakers,
): Promise<VectorStore> {
  const store = await openVectorStore(config);
  const reads = breakers.for(STORE_READS, isStoreOutage);
  const writes = breakers.for(STORE_WRITES, isStoreOutage);
  return reads && writes ? new BreakerStore(store, reads, writes) : store;
}

class StoreCloser implements OnApplicationShutdown {
  constructor(@Inject(VECTOR_STORE) private readonly store: VectorStore) {}
  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

@Global()
@Module({
  providers: [
    { provide: VECTOR_STORE, inject: [APP_CONFIG, CircuitBreakers], useFactory: openGuardedStore },
    StoreCloser,
  ],
  exports: [VECTOR_STORE],
})
export class StoreModule {}
