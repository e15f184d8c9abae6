import calculateSlot from 'cluster-key-slot';
import { isClusterUrl } from '../config/redis-url';

/**
 * Key naming for one Redis or a Redis Cluster. A cluster hashes only the part of a key between
 * its first `{` and the next `}` (the hash tag), so keys that share a tag share a slot: a Lua
 * script or MULTI may touch several keys only when they all do.
 */

/** `{text}`; text must hold no braces (collection names and prefixes never do). */
export function hashTag(text: string): string {
  if (/[{}]/.test(text)) throw new Error(`a hash tag cannot hold braces: '${text}'`);
  return `{${text}}`;
}

/**
 * A key of one collection: `<prefix>:catalog:col:{<collection>}:<suffix>`. Every key of a
 * collection (record, version, documents, locks, change log...) shares the collection's slot,
 * so one script may touch them all, and collections spread over the cluster's shards.
 */
export function collectionKey(prefix: string, collection: string, suffix: string): string {
  return `${prefix}:catalog:col:${hashTag(collection)}:${suffix}`;
}

/**
 * The BullMQ prefix of one queue. On a cluster each queue gets its own hash tag
 * (`{ragline:ingest}:ingest:wait`...), as BullMQ needs every key of a queue in one slot, and
 * queues then spread over the shards. On one Redis the prefix stays `ragline`, so the keys of
 * an existing deployment keep their names.
 */
export function queuePrefix(prefix: string, queue: string, cluster: boolean): string {
  return cluster ? hashTag(`${prefix}:${queue}`) : prefix;
}

/** The cluster slot (0-16383) of a key: CRC16 of its hash tag, or of the whole key without one. */
export function keySlot(key: string): number {
  return calculateSlot(key);
}

/** Patterns matching every key under a prefix, whether hash-tagged or not (for SCAN). */
export function prefixPatterns(prefix: string): string[] {
  return [`${prefix}:*`, `{${prefix}:*`];
}

/** queuePrefix() for ragline's configuration (the cluster is told by REDIS_URL's scheme). */
export function configuredQueuePrefix(
  config: { prefix: string; redisUrl: string },
  queue: string,
): string {
  return queuePrefix(config.prefix, queue, isClusterUrl(config.redisUrl));
}
