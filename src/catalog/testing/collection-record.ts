import type { CollectionRecord } from '../catalog.types';

/** A collection record with the service's default settings, for tests. */
export function testCollectionRecord(name = 'docs'): CollectionRecord {
  return {
    name,
    embedder: 'use-lite',
    dimensions: 512,
    hnsw: { m: 16, efConstruct: 128 },
    quantization: 'int8',
    hybrid: true,
    defaultMode: 'hybrid',
    hybridWeights: { dense: 0.1, bm25: 1 },
    createdAt: '2026-01-01T00:00:00.000Z',
  };
}
