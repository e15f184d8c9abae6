import type { Schemas } from '@qdrant/js-client-rest';
import type { CollectionSpec } from '../vector-store.port';
import { BM25_VECTOR } from './bm25-sparse';
import type { QdrantDistribution } from '../../config/qdrant-distribution';
import { distributionFields } from './distribution';
import type { PayloadIndexType } from './qdrant-filter';

/** Name of the dense vector of every point. */
export const DENSE_VECTOR = 'dense';

/** Qdrant's indexing threshold (KB of vectors per segment) when none was configured. */
export const DEFAULT_INDEXING_THRESHOLD = 20_000;

/** Indexes every collection gets at creation: the fields the adapter itself filters on. */
export const BASE_PAYLOAD_INDEXES: ReadonlyArray<readonly [string, PayloadIndexType]> = [
  ['documentId', 'keyword'],
  ['chunkIndex', 'integer'],
];

/**
 * The create-collection body: named dense vector (cosine) with the spec's HNSW parameters;
 * with int8, scalar quantization (quantile 0.99) kept in RAM while the float32 originals go to
 * disk, read only to rescore the oversampled candidates. Without quantization the originals
 * are what every search reads, so they stay in RAM. With `hybrid`, a sparse vector for BM25
 * weights whose IDF Qdrant computes (`modifier: 'idf'`).
 * (`on_disk`/`always_ram` are deprecated in 1.19 in favour of `memory`, which older 1.x
 * servers reject; the old names are still accepted.) On a distributed Qdrant, the shards,
 * replicas and write consistency of `distribution`.
 */
export function createCollectionBody(
  spec: CollectionSpec,
  distribution: QdrantDistribution = {},
): Schemas['CreateCollection'] {
  const int8 = spec.quantization === 'int8';
  const body: Schemas['CreateCollection'] = {
    vectors: {
      [DENSE_VECTOR]: { size: spec.dimensions, distance: 'Cosine', on_disk: int8 },
    },
    hnsw_config: { m: spec.hnsw.m, ef_construct: spec.hnsw.efConstruct },
    ...distributionFields(distribution),
  };
  if (int8) {
    body.quantization_config = { scalar: { type: 'int8', quantile: 0.99, always_ram: true } };
  }
  if (spec.hybrid) body.sparse_vectors = { [BM25_VECTOR]: { modifier: 'idf' } };
  return body;
}

/** What the adapter needs to know about an existing collection, read from its info. */
export interface CollectionFacts {
  dimensions: number | null;
  hybrid: boolean;
  quantized: boolean;
  indexingThreshold: number | null;
  indexedFields: Map<string, string>;
}

export function collectionFacts(info: Schemas['CollectionInfo']): CollectionFacts {
  const vectors = info.config.params.vectors;
  let dimensions: number | null = null;
  if (vectors && typeof vectors === 'object') {
    const dense: unknown =
      'size' in vectors ? vectors : (vectors as Record<string, unknown>)[DENSE_VECTOR];
    if (
      typeof dense === 'object' &&
      dense !== null &&
      'size' in dense &&
      typeof dense.size === 'number'
    ) {
      dimensions = dense.size;
    }
  }
  const indexedFields = new Map<string, string>();
  for (const [field, index] of Object.entries(info.payload_schema ?? {})) {
    if (index) indexedFields.set(field, index.data_type);
  }
  return {
    dimensions,
    hybrid: Boolean(info.config.params.sparse_vectors?.[BM25_VECTOR]),
    quantized: Boolean(info.config.quantization_config),
    indexingThreshold: info.config.optimizer_config.indexing_threshold ?? null,
    indexedFields,
  };
}

/** How an existing collection differs from a spec in what the adapter relies on ([] if not). */
export function specConflicts(facts: CollectionFacts, spec: CollectionSpec): string[] {
  const conflicts: string[] = [];
  if (facts.dimensions !== null && facts.dimensions !== spec.dimensions) {
    conflicts.push(`dimensions ${facts.dimensions}, not ${spec.dimensions}`);
  }
  if (facts.hybrid !== spec.hybrid) conflicts.push(`hybrid ${facts.hybrid}, not ${spec.hybrid}`);
  if (facts.quantized !== (spec.quantization === 'int8')) {
    conflicts.push(`quantization ${facts.quantized ? 'int8' : 'none'}, not ${spec.quantization}`);
  }
  return conflicts;
}

/** For people: the collection's HNSW and quantization, and how a search's `ef` is read. */
export function describeVectorIndex(info: Schemas['CollectionInfo'], oversampling: number): string {
  const hnsw = info.config.hnsw_config;
  const graph = `HNSW (m ${hnsw.m}, ef_construct ${hnsw.ef_construct}): ef is hnsw_ef, the search breadth`;
  if (!info.config.quantization_config) return `${graph}, over the float32 vectors`;
  return (
    `${graph}, over int8 scalar-quantized vectors; 'rescore' re-ranks limit × ${oversampling} ` +
    `candidates on the float32 originals, 'raw' does not, 'ignore' searches the originals only`
  );
}
