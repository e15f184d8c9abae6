import { join } from 'node:path';
import { QdrantStore, type QdrantStoreOptions } from '../qdrant.store';
import { describeVectorStoreContract } from '../testing/vector-store.contract';
import { FakeQdrantServer } from './testing/fake-qdrant-server';

/**
 * The shared VectorStore contract, run through the Qdrant adapter against the stand-in server
 * (testing/fake-qdrant-server.ts: exact search, Qdrant's documented IDF and RRF formulas). It
 * is NOT a Qdrant: it checks the adapter's side (filter translation against the reference
 * semantics, BM25 weighting, fusion, batching, parsing) where no server can run. The same
 * suite against a live server is qdrant.contract.int-spec.ts (QDRANT_URL).
 */
describeVectorStoreContract(
  'Qdrant adapter against the stand-in server',
  async () => {
    const server = await FakeQdrantServer.start();
    const options: QdrantStoreOptions = { url: server.url };
    const store = new QdrantStore(options);
    return {
      store,
      cleanup: async () => {
        await store.close();
        await server.close();
      },
      childFactory: {
        modulePath: join(__dirname, '..', 'qdrant.store.ts'),
        factoryExport: 'openQdrantStore',
        options,
      },
    };
  },
  { collectionPrefix: 'fake' },
);
