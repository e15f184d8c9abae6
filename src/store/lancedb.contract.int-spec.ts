import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LanceDbStore, LanceDbStoreOptions } from './lancedb.store';
import { describeVectorStoreContract } from './testing/vector-store.contract';

/**
 * The shared contract against the embedded store, twice: below the index threshold (exact
 * search), and with a threshold of 10 rows so that every collection gets its ANN index
 * (IVF_HNSW_SQ, int8 with float32 refinement) and the contract runs on the indexed path.
 */
function lanceFactory(extra: Partial<LanceDbStoreOptions>) {
  return async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'ragline-lancedb-contract-'));
    const options: LanceDbStoreOptions = { dataDir, readConsistencyIntervalMs: 0, ...extra };
    const store = await LanceDbStore.open(options);
    return {
      store,
      cleanup: async () => {
        await store.close();
        await rm(dataDir, { recursive: true, force: true });
      },
      childFactory: {
        modulePath: join(__dirname, 'lancedb.store.ts'),
        factoryExport: 'openLanceDbStore',
        options,
      },
    };
  };
}

describeVectorStoreContract('LanceDB, exact (below the index threshold)', lanceFactory({}), {
  collectionPrefix: 'exact',
});

describeVectorStoreContract(
  'LanceDB, indexed (HNSW + int8 + refine)',
  lanceFactory({ indexThreshold: 10 }),
  { collectionPrefix: 'indexed' },
);
