import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { REDIS_URL } from '../redis/testing/shared-redis';
import { CachedEmbedder } from './cached.embedder';
import { createEmbedder } from './embedder.factory';

describe('createEmbedder (real model, real Redis)', () => {
  it('builds a ready use-lite embedder, wrapped in the Redis cache when asked', async () => {
    const redis = new Redis(REDIS_URL);
    const prefix = `ragline-test-${randomUUID()}`;
    const embedder = await createEmbedder(
      { provider: 'use-lite', poolSize: 1 },
      { cache: { redis, prefix, ttlSeconds: 60 } },
    );
    try {
      expect(embedder).toBeInstanceOf(CachedEmbedder);
      expect(embedder).toMatchObject({ id: 'use-lite', dimensions: 512, maxInputTokens: 128 });
      const [vector] = await embedder.embed(['factory made']);
      expect(vector).toHaveLength(512);
      expect(await redis.keys(`${prefix}:emb:use-lite:*`)).toHaveLength(1);
    } finally {
      await embedder.close();
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    }
  });
});
