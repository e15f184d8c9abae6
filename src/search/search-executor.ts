import { Inject, Injectable } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { APP_CONFIG, AppConfig } from '../config/config';
import { MetricsService } from '../metrics/metrics.service';
import { EmbedderRegistry } from '../embedding/embedder-registry';
import { SearchHit, SearchRequest, VECTOR_STORE, VectorStore } from '../store/vector-store.port';
import { tunedEf } from '../tuning/effective-ef';
import { HitView, SearchJobResult, SearchSpec } from './search.types';

const round = (ms: number) => Math.round(ms * 100) / 100;

function toHitView(hit: SearchHit): HitView {
  return {
    id: hit.id,
    documentId: hit.documentId,
    chunkIndex: hit.chunkIndex,
    score: hit.score,
    text: hit.text,
    headingPath: hit.headingPath,
    metadata: hit.metadata,
  };
}

/**
 * Runs a micro-batch of searches: the query texts of all of them are embedded in one model
 * call per embedder, and the searches of each store collection go to the store in one batch request.
 * Each search keeps its own filter, limit, mode and parameters.
 */
@Injectable()
export class SearchExecutor {
  /** HNSW ef for searches that do not set one; the monitor moves it within a recall-safe range. */
  defaultEf: number;
  /** Where defaultEf starts and returns to: tuned collections scale by defaultEf / this. */
  private readonly baselineEf: number;

  constructor(
    private readonly embedders: EmbedderRegistry,
    @Inject(VECTOR_STORE) private readonly store: VectorStore,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    this.defaultEf = config.search.defaultEf;
    this.baselineEf = config.search.defaultEf;
  }

  /** A request's own ef, else its collection's tuned ef (following the monitor), else the default. */
  efFor(spec: SearchSpec): number {
    if (spec.ef !== undefined) return spec.ef;
    if (spec.tunedEf) return tunedEf(spec.tunedEf, this.defaultEf, this.baselineEf);
    return this.defaultEf;
  }

  async run(specs: SearchSpec[]): Promise<SearchJobResult[]> {
    const t0 = performance.now();
    const vectors = new Map<string, Float32Array>();
    const byEmbedder = new Map<string, Set<string>>();
    for (const spec of specs) {
      if (spec.mode === 'bm25') continue;
      const texts = byEmbedder.get(spec.embedder) ?? new Set<string>();
      texts.add(spec.query);
      byEmbedder.set(spec.embedder, texts);
    }
    await Promise.all(
      [...byEmbedder].map(async ([embedderId, texts]) => {
        const embedder = await this.embedders.get(embedderId);
        const list = [...texts];
        const started = performance.now();
        const embedded = await embedder.embed(list, { priority: 'interactive' });
        this.metrics.observeEmbed(embedderId, performance.now() - started);
        list.forEach((text, i) => vectors.set(`${embedderId}\u0000${text}`, embedded[i]));
      }),
    );
    const embedMs = performance.now() - t0;

    const t1 = performance.now();
    const byStore = new Map<string, number[]>();
    specs.forEach((spec, i) => byStore.set(spec.store, [...(byStore.get(spec.store) ?? []), i]));
    const hits: HitView[][] = new Array(specs.length);
    await Promise.all(
      [...byStore].map(async ([storeName, indexes]) => {
        const requests: SearchRequest[] = indexes.map((i) => {
          const s = specs[i];
          return {
            mode: s.mode,
            vector: s.mode === 'bm25' ? undefined : vectors.get(`${s.embedder}\u0000${s.query}`),
            text: s.mode === 'dense' ? undefined : s.query,
            limit: s.limit,
            filter: s.filter,
            ef: this.efFor(s),
            exact: s.exact,
            scoreThreshold: s.scoreThreshold,
            weights: s.weights,
          };
        });
        const results = await this.store.search(storeName, requests);
        indexes.forEach((specIndex, j) => (hits[specIndex] = results[j].map(toHitView)));
      }),
    );
    const storeMs = performance.now() - t1;
    this.metrics.observeStore('search', storeMs);
    return specs.map((_, i) => ({
      hits: hits[i],
      timings: {
        queueMs: 0,
        embedMs: round(embedMs),
        storeMs: round(storeMs),
        batchSize: specs.length,
      },
    }));
  }
}
