import Redis, { Cluster } from 'ioredis';
import { prefixPatterns } from '../keys';
import { openRedis } from '../redis-connection';

/**
 * Deletes every Redis key under a run's prefix, hash-tagged or not (benchmarks and tests
 * clean up after themselves); on a Redis Cluster, on every master.
 */
export async function dropPrefix(prefix: string, url: string): Promise<void> {
  const redis = openRedis(url, { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  try {
    for (const server of await masters(redis)) {
      for (const pattern of prefixPatterns(prefix)) await dropMatching(server, pattern);
    }
  } finally {
    redis.disconnect();
  }
}

async function masters(redis: Redis): Promise<Redis[]> {
  const connection = redis as Redis | Cluster;
  if (!(connection instanceof Cluster)) return [connection];
  if (connection.status !== 'ready') await new Promise((r) => connection.once('ready', r));
  return connection.nodes('master');
}

async function dropMatching(server: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await server.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    // One DEL per key: a cluster node refuses one DEL over keys of several slots.
    if (keys.length) await Promise.all(keys.map((key) => server.del(key)));
  } while (cursor !== '0');
}
