import type { Schemas } from '@qdrant/js-client-rest';
import type { QdrantDistribution } from '../../config/qdrant-distribution';

/** The create-collection fields of a distribution (none when it is all defaults). */
export function distributionFields(
  distribution: QdrantDistribution,
): Pick<
  Schemas['CreateCollection'],
  'shard_number' | 'replication_factor' | 'write_consistency_factor'
> {
  const { shards, replicationFactor, writeConsistencyFactor } = distribution;
  return {
    ...(shards !== undefined ? { shard_number: shards } : {}),
    ...(replicationFactor !== undefined ? { replication_factor: replicationFactor } : {}),
    ...(writeConsistencyFactor !== undefined
      ? { write_consistency_factor: writeConsistencyFactor }
      : {}),
  };
}

/** The `consistency` parameter of a read, or nothing (Qdrant's default: one replica). */
export function readConsistencyParam(distribution: QdrantDistribution): {
  consistency?: Schemas['ReadConsistency'];
} {
  return distribution.readConsistency !== undefined
    ? { consistency: distribution.readConsistency }
    : {};
}
