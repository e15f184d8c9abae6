import type Redis from 'ioredis';
import { CachedEmbedder, type CachedEmbedderOptions } from './cached.embedder';
import type { Embedder } from './embedder.port';
import { OpenAiEmbedder, type OpenAiEmbedderOptions } from './openai.embedder';
import { UseLiteEmbedder, type UseLiteEmbedderOptions } from './use-lite.embedder';

export type EmbedderConfig =
  | ({ provider: 'use-lite' } & UseLiteEmbedderOptions)
  | ({ provider: 'openai' } & OpenAiEmbedderOptions);

export type EmbedderProvider = EmbedderConfig['provider'];

export const EMBEDDER_PROVIDERS: readonly EmbedderProvider[] = ['use-lite', 'openai'];

export interface CreateEmbedderOptions {
  /** Wraps the embedder in the Redis embedding cache when given. */
  cache?: CachedEmbedderOptions & { redis: Redis };
}

/** Builds an embedder; for use-lite this starts the worker pool and waits for the models. */
export async function createEmbedder(
  config: EmbedderConfig,
  options: CreateEmbedderOptions = {},
): Promise<Embedder> {
  const inner = await createUncached(config);
  if (!options.cache) return inner;
  const { redis, ...cacheOptions } = options.cache;
  return new CachedEmbedder(inner, redis, cacheOptions);
}

async function createUncached(config: EmbedderConfig): Promise<Embedder> {
  switch (config.provider) {
    case 'use-lite': {
      const { provider: _provider, ...options } = config;
      return UseLiteEmbedder.create(options);
    }
    case 'openai': {
      const { provider: _provider, ...options } = config;
      return new OpenAiEmbedder(options);
    }
  }
}
