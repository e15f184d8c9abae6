import type Redis from 'ioredis';
import { CachedEmbedder, type CachedEmbedderOptions } from './cached.embedder';
import type { Embedder } from './embedder.port';
import {
  OPENAI_MODELS,
  OpenAiEmbedder,
  openAiEmbedderId,
  type OpenAiEmbedderOptions,
} from './openai.embedder';
import { USE_LITE_ID, UseLiteEmbedder, type UseLiteEmbedderOptions } from './use-lite.embedder';

export type EmbedderConfig =
  | ({ provider: 'use-lite' } & UseLiteEmbedderOptions)
  | ({ provider: 'openai' } & OpenAiEmbedderOptions);

export type EmbedderProvider = EmbedderConfig['provider'];

export const EMBEDDER_PROVIDERS: readonly EmbedderProvider[] = ['use-lite', 'openai'];

/** Ids that need no extra settings beyond a base URL and key (OpenAI's own models). */
export const EMBEDDER_IDS: readonly string[] = [
  USE_LITE_ID,
  ...Object.keys(OPENAI_MODELS).map((model) => `openai:${model}`),
];

export const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com/v1';

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

/** The id an embedder built from this config reports (recorded per collection). */
export function embedderIdOf(config: EmbedderConfig): string {
  return config.provider === 'use-lite'
    ? USE_LITE_ID
    : openAiEmbedderId(config.model, config.dimensions, config.requestDimensions);
}

/**
 * Maps an id to a config: `use-lite`, `openai:<model>` or `openai:<model>@<dimensions>` (the
 * latter asks the server for that size). Connection settings come from `openai`; dimensions
 * from the id, else `openai.dimensions`, else the known size of OpenAI's own models.
 */
export function parseEmbedderId(
  id: string,
  openai: Partial<Omit<OpenAiEmbedderOptions, 'model'>> = {},
): EmbedderConfig {
  if (id === USE_LITE_ID) return { provider: 'use-lite' };
  const match = /^openai:(.+?)(?:@(\d+))?$/.exec(id);
  if (!match) {
    throw new Error(
      `unknown embedder id '${id}': expected 'use-lite', 'openai:<model>' or 'openai:<model>@<dimensions>'`,
    );
  }
  const model = match[1];
  const requested = match[2] === undefined ? undefined : Number(match[2]);
  const dimensions = requested ?? openai.dimensions ?? OPENAI_MODELS[model]?.dimensions;
  if (dimensions === undefined || dimensions < 1) {
    throw new Error(
      `embedder '${id}': the vector size of model '${model}' is unknown, configure it`,
    );
  }
  return {
    ...openai,
    provider: 'openai',
    baseUrl: openai.baseUrl ?? DEFAULT_OPENAI_BASE_URL,
    model,
    dimensions,
    requestDimensions: requested !== undefined || openai.requestDimensions === true,
  };
}
