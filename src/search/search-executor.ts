import { Inject, Injectable } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { APP_CONFIG, AppConfig } from '../config/config';
import { MetricsService } from '../metrics/metrics.service';
import { EmbedderRegistry } from '../embedding/embedder-registry';
import { SearchHit, SearchRequest, VECTOR_STORE, VectorStore } from '../store/vector-store.port';
import { tunedEf } from '../tuning/effective-ef';
import { highlightRanges } from '../serving/highlights';
import { queryTerms, QueryTerms } from '../serving/lexical-index';
import { RankedDocument, ServingCollection } from '../serving/serving-collection';
import { ServingIndexes } from '../serving/serving-indexes.service';
import { QueryVectorCache } from './query-vector-cache';
import { HitView } from './search.types';
import { SearchJobResult, SearchSpec } from '../queues/search-job';

/** A search as the worker runs it: its spec and the collection version it was asked at. */
export type ExecutableSearch = SearchSpec & { version?: number };

/** Best chunks shown inside a grouped result. */
const CHUNKS_PER_GROUP = 3;
/** A store (not served from memory) is asked this many chunks per wanted document when grouping. */
const CHUNKS_PER_DOCUMENT_FROM_STORE = 5;
const MAX_STORE_LIMIT = 1000;

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
  private readonly queryVectors: QueryVectorCache;

  constructor(
    private readonly embedders: EmbedderRegistry,
    @Inject(VECTOR_STORE) private readonly store: VectorStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
    private readonly serving: ServingIndexes,
  ) {
    this.defaultEf = config.search.defaultEf;
    this.baselineEf = config.search.defaultEf;
    this.queryVectors = new QueryVectorCache(config.search.queryVectorCacheEntries);
  }

  /** A request's own ef, else its collection's tuned ef (following the monitor), else the default. */
  efFor(spec: SearchSpec): number {
    if (spec.ef !== undefined) return spec.ef;
    if (spec.tunedEf) return tunedEf(spec.tunedEf, this.defaultEf, this.baselineEf);
    return this.defaultEf;
  }

  async run(specs: ExecutableSearch[]): Promise<SearchJobResult[]> {
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
        const missing: string[] = [];
        for (const text of texts) {
          const known = this.queryVectors.get(embedderId, text);
          if (known) vectors.set(`${embedderId}\u0000${text}`, known);
          else missing.push(text);
        }
        this.metrics.countAvoidedModelCalls('query_vector_cache', texts.size - missing.length);
        if (missing.length === 0) return;
        const embedder = await this.embedders.get(embedderId);
        const started = performance.now();
        const embedded = await embedder.embed(missing, {
          priority: 'interactive',
          sharedCache: false,
        });
        this.metrics.observeEmbed(embedderId, performance.now() - started);
        missing.forEach((text, i) => {
          vectors.set(`${embedderId}\u0000${text}`, embedded[i]);
          this.queryVectors.set(embedderId, text, embedded[i]);
        });
      }),
    );
    const embedMs = performance.now() - t0;
    const vectorOf = (s: SearchSpec) =>
      s.mode === 'bm25' ? undefined : vectors.get(`${s.embedder}\u0000${s.query}`);

    const t1 = performance.now();
    const byStore = new Map<string, number[]>();
    specs.forEach((spec, i) => byStore.set(spec.store, [...(byStore.get(spec.store) ?? []), i]));
    const hits: HitView[][] = new Array(specs.length);
    await Promise.all(
      [...byStore].map(async ([storeName, indexes]) => {
        const first = specs[indexes[0]];
        const newest = Math.max(...indexes.map((i) => specs[i].version ?? 0));
        const served = await this.serving.current(first.collection, storeName, newest);
        const toStore: number[] = [];
        for (const i of indexes) {
          const answer = served && this.fromMemory(served, specs[i], vectorOf(specs[i]));
          if (answer) hits[i] = answer;
          else toStore.push(i);
        }
        if (toStore.length === 0) return;
        const requests: SearchRequest[] = toStore.map((i) => {
          const s = specs[i];
          return {
            mode: s.mode,
            vector: vectorOf(s),
            text: s.mode === 'dense' ? undefined : s.query,
            limit: storeDepth(s),
            filter: s.filter,
            ef: this.efFor(s),
            exact: s.exact,
            weights: s.weights,
          };
        });
        const results = await this.store.search(storeName, requests);
        toStore.forEach((specIndex, j) => {
          hits[specIndex] = shapeStoreHits(specs[specIndex], results[j].map(toHitView));
        });
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

  /** The answer from the in-memory index, or null when it needs the store (an exact scan). */
  private fromMemory(
    served: ServingCollection,
    spec: SearchSpec,
    vector: Float32Array | undefined,
  ): HitView[] | null {
    if (spec.exact) return null;
    const terms = spec.mode === 'dense' ? new Map() : queryTerms(spec.query);
    const depth = (spec.offset ?? 0) + spec.limit;
    const ranked = served.rank({
      mode: spec.mode,
      vector,
      terms,
      filter: spec.filter,
      weights: spec.weights ?? this.defaultWeights,
      documents: depth,
      ef: this.efFor(spec),
    });
    if (!ranked) return null;
    return spec.groupBy === 'document'
      ? groupedView(ranked, spec, terms)
      : withThreshold(
          ranked
            .flatMap((d) => d.chunks)
            .sort((a, b) => b.score - a.score || compareHits(a, b))
            .slice(spec.offset ?? 0, depth)
            .map(toHitView),
          spec.scoreThreshold,
        );
  }

  private get defaultWeights(): { dense: number; bm25: number } {
    return this.config.search.hybridWeights;
  }
}

function compareHits(a: SearchHit, b: SearchHit): number {
  return a.documentId < b.documentId
    ? -1
    : a.documentId > b.documentId
      ? 1
      : a.chunkIndex - b.chunkIndex;
}

function withThreshold(hits: HitView[], threshold: number | undefined): HitView[] {
  return threshold === undefined ? hits : hits.filter((h) => h.score >= threshold);
}

/** How many chunks to ask a store for: enough for the page, or for the page's documents. */
function storeDepth(spec: SearchSpec): number {
  const depth = (spec.offset ?? 0) + spec.limit;
  if (spec.groupBy !== 'document') return depth;
  return Math.min(MAX_STORE_LIMIT, depth * CHUNKS_PER_DOCUMENT_FROM_STORE);
}

/** A store's chunk list as the page the spec asks for (grouped by document if asked). */
function shapeStoreHits(spec: SearchSpec, hits: HitView[]): HitView[] {
  if (spec.groupBy !== 'document') {
    return withThreshold(hits.slice(spec.offset ?? 0), spec.scoreThreshold);
  }
  const documents = new Map<string, RankedDocument>();
  for (const hit of hits) {
    const known = documents.get(hit.documentId);
    if (known) known.chunks.push(hit);
    else
      documents.set(hit.documentId, {
        documentId: hit.documentId,
        score: hit.score,
        chunks: [hit],
      });
  }
  return groupedView(
    [...documents.values()],
    spec,
    queryTerms(spec.mode === 'dense' ? '' : spec.query),
  );
}

/** One entry per document (the page of them), its best chunks inside with highlights. */
function groupedView(ranked: RankedDocument[], spec: SearchSpec, terms: QueryTerms): HitView[] {
  const offset = spec.offset ?? 0;
  return ranked
    .filter((d) => spec.scoreThreshold === undefined || d.score >= spec.scoreThreshold)
    .slice(offset, offset + spec.limit)
    .map((document) => {
      const chunks = document.chunks.slice(0, CHUNKS_PER_GROUP).map((chunk) => ({
        ...toHitView(chunk),
        highlights: highlightRanges(chunk.text, terms),
      }));
      return { ...chunks[0], score: document.score, chunks };
    });
}
