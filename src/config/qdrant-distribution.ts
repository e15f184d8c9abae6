import type { Schemas } from '@qdrant/js-client-rest';

/**
 * How a collection spreads over a distributed Qdrant, and how many replicas a read asks.
 * Unset fields keep Qdrant's defaults: shards = the number of peers (1 standalone), one
 * replica per shard, a write succeeds once one replica applied it, a read asks one replica.
 */
export interface QdrantDistribution {
  /** shard_number at creation. */
  shards?: number;
  /** replication_factor at creation: copies of each shard. */
  replicationFactor?: number;
  /** write_consistency_factor at creation: replicas that must apply a write for it to succeed. */
  writeConsistencyFactor?: number;
  /** `consistency` of searches and scrolls: a number of replicas, or majority, quorum, all. */
  readConsistency?: Schemas['ReadConsistency'];
}

/** RAGLINE_QDRANT_READ_CONSISTENCY: a positive integer, `majority`, `quorum` or `all`. */
export function parseReadConsistency(text: string): Schemas['ReadConsistency'] {
  if (text === 'majority' || text === 'quorum' || text === 'all') return text;
  if (/^[1-9]\d*$/.test(text)) return Number(text);
  throw new Error(`expected a positive integer, 'majority', 'quorum' or 'all', not '${text}'`);
}
