import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import { APP_CONFIG, AppConfig } from '../config/config';
import { CircuitBreakers, STORE_READS, STORE_WRITES } from '../resilience/circuit-breakers';
import { BreakerStore } from './breaker.store';
import { LanceDbStore } from './lancedb.store';
import { QdrantStore } from './qdrant.store';
import { isStoreOutage } from './store-failures';
import { ChangeFeed } from './change-feed';
import { ChangeFeedStore } from './change-feed.store';
import { REDIS } from '../redis/redis.module';
import type Redis from 'ioredis';
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
    queryTimeoutMs: config.search.timeoutMs,
  });
}

/**
 * The configured store behind its read and write circuit breakers (unless those are off), its
 * writes recorded in the change feed when searches are served from memory (embedded store).
 */
export async function openGuardedStore(
  config: AppConfig,
  breakers: CircuitBreakers,
  redis: Redis,
): Promise<VectorStore> {
  const store = await openVectorStore(config);
  const reads = breakers.for(STORE_READS, isStoreOutage);
  const writes = breakers.for(STORE_WRITES, isStoreOutage);
  const guarded = reads && writes ? new BreakerStore(store, reads, writes) : store;
  // Recorded even with serving off here: other processes may serve from memory.
  return store.kind === 'lancedb'
    ? new ChangeFeedStore(guarded, new ChangeFeed(redis, config.prefix))
    : guarded;
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
    {
      provide: VECTOR_STORE,
      inject: [APP_CONFIG, CircuitBreakers, REDIS],
      useFactory: openGuardedStore,
    },
    StoreCloser,
  ],
  exports: [VECTOR_STORE],
})
export class StoreModule {}
