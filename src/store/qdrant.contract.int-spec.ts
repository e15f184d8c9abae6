import { join } from 'node:path';
import { QdrantClient } from '@qdrant/js-client-rest';
import { loadConfig } from '../config/config';
import { QdrantStore, type QdrantStoreOptions } from './qdrant.store';
import { describeVectorStoreContract } from './testing/vector-store.contract';

/**
 * The shared VectorStore contract against a live Qdrant (QDRANT_URL, optional QDRANT_API_KEY).
 * Collections are named with a prefix unique to this run and dropped afterwards, so the suite
 * can share a server with other runs. Without QDRANT_URL the suite is reported as skipped;
 * request shapes are still checked without a server by qdrant/qdrant-openapi.spec.ts.
 * Against a distributed Qdrant (docker compose --profile qdrant-cluster), the RAGLINE_QDRANT_*
 * settings in the environment (shards, replicas, write and read consistency) apply, as in
 * the service.
 */
const url = process.env.QDRANT_URL;
const apiKey = process.env.QDRANT_API_KEY || undefined;
const prefix = `ragline-contract-${process.pid}-${Date.now().toString(36)}`;

async function dropRunCollections(options: QdrantStoreOptions): Promise<void> {
  const parsed = new URL(options.url);
  const pathPrefix = parsed.pathname.replace(/\/+$/, '');
  const client = new QdrantClient({
    url: parsed.origin,
    ...(pathPrefix ? { prefix: pathPrefix } : {}),
    apiKey: options.apiKey,
    checkCompatibility: false,
  });
  const { collections } = await client.getCollections();
  for (const { name } of collections) {
    if (name.startsWith(prefix)) await client.deleteCollection(name);
  }
}

describeVectorStoreContract(
  'Qdrant',
  async () => {
    const { qdrantDistribution } = loadConfig(process.env).store;
    const options: QdrantStoreOptions = {
      url: url ?? '',
      ...(apiKey ? { apiKey } : {}),
      distribution: qdrantDistribution,
    };
    const store = new QdrantStore(options);
    return {
      store,
      cleanup: async () => {
        await dropRunCollections(options);
        await store.close();
      },
      childFactory: {
        modulePath: join(__dirname, 'qdrant.store.ts'),
        factoryExport: 'openQdrantStore',
        options,
      },
    };
  },
  url
    ? { collectionPrefix: prefix }
    : { skip: 'QDRANT_URL is not set: no live Qdrant server to run the contract against' },
);
