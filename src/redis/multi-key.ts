import type Redis from 'ioredis';
import { isCluster } from './redis-connection';

/**
 * Commands over many unrelated keys. One Redis takes them in one round trip (MGET, a
 * pipeline); a cluster refuses MGET across slots and a pipeline across nodes, so there each
 * key gets its own command, sent to its own node.
 */

/** The values of `keys` (null where missing), in order. */
export function getBuffers(redis: Redis, keys: string[]): Promise<Array<Buffer | null>> {
  if (keys.length === 0) return Promise.resolve([]);
  if (isCluster(redis)) return Promise.all(keys.map((key) => redis.getBuffer(key)));
  return redis.mgetBuffer(...keys);
}

/** SET each key to its value with a lifetime; rejects with the first failure. */
export async function setEachWithTtl(
  redis: Redis,
  entries: Array<[key: string, value: string | Buffer]>,
  ttlSeconds: number,
): Promise<void> {
  if (entries.length === 0) return;
  if (isCluster(redis)) {
    await Promise.all(entries.map(([key, value]) => redis.set(key, value, 'EX', ttlSeconds)));
    return;
  }
  const pipeline = redis.pipeline();
  for (const [key, value] of entries) pipeline.set(key, value, 'EX', ttlSeconds);
  const replies = (await pipeline.exec()) ?? [];
  const failed = replies.find(([error]) => error);
  if (failed?.[0]) throw failed[0];
}
