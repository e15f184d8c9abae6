import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '../config/config';
import { MetricsService } from '../metrics/metrics.service';
import { REDIS } from '../redis/redis.module';
import { CircuitBreakers, embedderDependency } from '../resilience/circuit-breakers';
import { BreakerEmbedder, isEmbedderOutage } from './breaker.embedder';
import { Embedder } from './embedder.port';
import { CachedEmbedder, createEmbedder, EmbedderConfig, USE_LITE_DIMENSIONS } from './index';

export interface EmbedderDescription {
  id: string;
  dimensions: number;
}

/**
 * Knows which embedders this deployment offers (use-lite always; an OpenAI-compatible one when
 * configured) and creates each lazily, once, wrapped in the shared Redis embedding cache.
 * Describing an embedder never loads a model, so API-only processes stay light.
 */
@Injectable()
export class EmbedderRegistry implements OnApplicationShutdown {
  private readonly instances = new Map<string, Promise<Embedder>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly metrics: MetricsService,
    private readonly breakers: CircuitBreakers,
  ) {}

  available(): string[] {
    const ids = ['use-lite'];
    const configured = this.config.embedder.defaultId;
    if (configured.startsWith('openai:')) ids.push(configured);
    return ids;
  }

  private configFor(id: string): EmbedderConfig | null {
    if (id === 'use-lite') {
      return {
        provider: 'use-lite',
        poolSize: this.config.embedder.poolSize,
        workerNiceIncrement: this.config.embedder.workerNice,
        workerBulkNiceIncrement: this.config.embedder.workerBulkNice,
      };
    }
    const { openai } = this.config.embedder;
    if (
      id.startsWith('openai:') &&
      this.available().includes(id) &&
      openai.baseUrl &&
      openai.dimensions
    ) {
      return {
        provider: 'openai',
        baseUrl: openai.baseUrl,
        apiKey: openai.apiKey,
        model: id.slice('openai:'.length),
        dimensions: openai.dimensions,
      };
    }
    return null;
  }

  describe(id: string): EmbedderDescription | null {
    const config = this.configFor(id);
    if (!config) return null;
    return {
      id,
      dimensions: config.provider === 'use-lite' ? USE_LITE_DIMENSIONS : config.dimensions,
    };
  }

  get(id: string): Promise<Embedder> {
    const config = this.configFor(id);
    if (!config) throw new Error(`embedder '${id}' is not configured in this process`);
    let instance = this.instances.get(id);
    if (!instance) {
      instance = createEmbedder(config).then((inner) => {
        if (inner.cpuSeconds) this.metrics.trackModelCpu(id, () => inner.cpuSeconds?.());
        return new CachedEmbedder(this.guarded(inner, config), this.redis, {
          prefix: this.config.prefix,
          ttlSeconds: this.config.embedder.cacheTtlSeconds,
          onStats: (hits, misses) => {
            this.metrics.embeddingCacheLookup(true, hits);
            this.metrics.embeddingCacheLookup(false, misses);
            this.metrics.countAvoidedModelCalls('embedding_cache', hits);
          },
        });
      });
      instance.catch(() => this.instances.delete(id));
      this.instances.set(id, instance);
    }
    return instance;
  }

  /**
   * A remote embedder goes behind a circuit breaker (inside the cache, so cached vectors are
   * still served while the server is down); the local model pool never does.
   */
  private guarded(embedder: Embedder, config: EmbedderConfig): Embedder {
    if (config.provider !== 'openai') return embedder;
    const breaker = this.breakers.for(embedderDependency(embedder.id), isEmbedderOutage);
    return breaker ? new BreakerEmbedder(embedder, breaker) : embedder;
  }

  async onApplicationShutdown(): Promise<void> {
    const all = [...this.instances.values()];
    this.instances.clear();
    await Promise.all(all.map(async (p) => (await p.catch(() => null))?.close()));
  }
}
