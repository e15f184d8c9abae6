import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import { APP_CONFIG, AppConfig } from '../config/config';
import { LanceDbStore } from './lancedb.store';
import { QdrantStore } from './qdrant.store';
import { VECTOR_STORE, VectorStore } from './vector-store.port';

export async function openVectorStore(config: AppConfig): Promise<VectorStore> {
  if (config.store.kind === 'qdrant') {
    return new QdrantStore({
      url: config.store.qdrantUrl as string,
      apiKey: config.store.qdrantApiKey,
    });
  }
  return LanceDbStore.open({
    dataDir: join(config.dataDir, 'lancedb'),
    indexThreshold: config.store.lancedbIndexThreshold,
  });
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
    { provide: VECTOR_STORE, inject: [APP_CONFIG], useFactory: openVectorStore },
    StoreCloser,
  ],
  exports: [VECTOR_STORE],
})
export class StoreModule {}
