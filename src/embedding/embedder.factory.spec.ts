import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { CachedEmbedder } from './cached.embedder';
import {
  createEmbedder,
  DEFAULT_OPENAI_BASE_URL,
  EMBEDDER_IDS,
  embedderIdOf,
  parseEmbedderId,
} from './embedder.factory';
import { OpenAiEmbedder } from './openai.embedder';
import { UseLiteEmbedder } from './use-lite.embedder';

describe('parseEmbedderId / embedderIdOf', () => {
  it('maps use-lite and OpenAI ids to configs and back', () => {
    expect(parseEmbedderId('use-lite')).toEqual({ provider: 'use-lite' });
    const small = parseEmbedderId('openai:text-embedding-3-small', { apiKey: 'k' });
    expect(small).toMatchObject({
      provider: 'openai',
      model: 'text-embedding-3-small',
      dimensions: 1536,
      baseUrl: DEFAULT_OPENAI_BASE_URL,
      apiKey: 'k',
      requestDimensions: false,
    });
    for (const id of EMBEDDER_IDS) expect(embedderIdOf(parseEmbedderId(id))).toBe(id);
  });

  it('takes a requested size from the id and keeps it in the id', () => {
    const config = parseEmbedderId('openai:text-embedding-3-large@256');
    expect(config).toMatchObject({
      model: 'text-embedding-3-large',
      dimensions: 256,
      requestDimensions: true,
    });
    expect(embedderIdOf(config)).toBe('openai:text-embedding-3-large@256');
  });

  it('keeps Ollama-style model tags and needs the size of unknown models', () => {
    const config = parseEmbedderId('openai:nomic-embed-text:latest', {
      baseUrl: 'http://localhost:11434',
      dimensions: 768,
    });
    expect(config).toMatchObject({ model: 'nomic-embed-text:latest', dimensions: 768 });
    expect(embedderIdOf(config)).toBe('openai:nomic-embed-text:latest');
    expect(() => parseEmbedderId('openai:mystery-model')).toThrow(/vector size .* unknown/);
    expect(() => parseEmbedderId('word2vec')).toThrow(/unknown embedder id 'word2vec'/);
  });
});

describe('createEmbedder', () => {
  it('builds an OpenAI-compatible embedder from its config', async () => {
    const embedder = await createEmbedder({
      provider: 'openai',
      baseUrl: 'http://127.0.0.1:9/v1',
      model: 'bge-small',
      dimensions: 384,
    });
    expect(embedder).toBeInstanceOf(OpenAiEmbedder);
    expect(embedder).toMatchObject({
      id: 'openai:bge-small',
      dimensions: 384,
      maxInputTokens: 512,
    });
    await embedder.close();
  });

  it('builds a ready use-lite embedder, wrapped in the Redis cache when asked', async () => {
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
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

  it('fails at creation, not at first use, for an invalid pool size', async () => {
    await expect(UseLiteEmbedder.create({ poolSize: 0 })).rejects.toThrow(/pool size/);
  });
});
