import { Inject, Injectable, OnApplicationShutdown, Optional } from '@nestjs/common';
import { Embedder } from '../embedding/embedder.port';
import { StoredPoint, VECTOR_STORE, VectorStore } from '../store/vector-store.port';
import { APP_CONFIG, AppConfig } from '../config/config';
import { MetricsService } from '../metrics/metrics.service';
import { MonitorService } from '../monitor/monitor.service';
import { TUNABLE } from '../monitor/tunables';
import { AdaptiveBatcher, BatchReport } from './adaptive-batcher';

const EMBED_BATCH_INITIAL = 16;
const EMBED_BATCH_MAX = 128;

/**
 * The process-wide batchers: one per embedder for document chunks (chunks of many concurrent
 * jobs fill one model call) and one per collection for upserts (one store commit for many
 * jobs' points). The monitor retunes them through `all()`.
 */
@Injectable()
export class BatchersService implements OnApplicationShutdown {
  private readonly embed = new Map<string, AdaptiveBatcher<string, Float32Array>>();
  private readonly upsert = new Map<string, AdaptiveBatcher<StoredPoint, void>>();

  constructor(
    @Inject(VECTOR_STORE) private readonly store: VectorStore,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() monitor?: MonitorService,
  ) {
    if (!monitor) return;
    monitor.registerBatchers(() => this.all());
    const embedBatchers = () => [...this.embed.values()];
    monitor.registerTunable({
      name: TUNABLE.embedBatchTarget,
      // Batchers are made per embedder on first use: until then the target they will start at.
      get: () => embedBatchers()[0]?.target ?? this.initialEmbedTarget(),
      set: (v) => embedBatchers().forEach((b) => b.setTarget(v)),
      min: 1,
      max: EMBED_BATCH_MAX,
      baseline: this.initialEmbedTarget(),
    });
  }

  private initialEmbedTarget(): number {
    return this.config.embedder.fixedBatch ?? EMBED_BATCH_INITIAL;
  }

  private report(name: string): (r: BatchReport) => void {
    return (r) => {
      this.metrics.observeBatch(name, r.size, r.durationMs);
      if (name.startsWith('embed:'))
        this.metrics.observeEmbed(name.slice('embed:'.length), r.durationMs);
      else if (name.startsWith('upsert:')) this.metrics.observeStore('upsert', r.durationMs);
    };
  }

  embedBatcher(embedder: Embedder): AdaptiveBatcher<string, Float32Array> {
    let batcher = this.embed.get(embedder.id);
    if (!batcher) {
      const fixed = this.config.embedder.fixedBatch;
      batcher = new AdaptiveBatcher<string, Float32Array>({
        name: `embed:${embedder.id}`,
        run: (texts) => embedder.embed(texts, { priority: 'bulk' }),
        minSize: fixed ?? 1,
        maxSize: fixed ?? EMBED_BATCH_MAX,
        initialSize: this.initialEmbedTarget(),
        adapt: fixed === undefined,
        maxWaitMs: 10,
        latencyTargetMs: 4000,
        concurrency: 2,
        onBatch: this.report(`embed:${embedder.id}`),
      });
      this.embed.set(embedder.id, batcher);
    }
    return batcher;
  }

  upsertBatcher(collection: string): AdaptiveBatcher<StoredPoint, void> {
    let batcher = this.upsert.get(collection);
    if (!batcher) {
      batcher = new AdaptiveBatcher<StoredPoint, void>({
        name: `upsert:${collection}`,
        run: async (points) => {
          await this.store.upsert(collection, points);
          return points.map(() => undefined);
        },
        minSize: 1,
        maxSize: 4096,
        initialSize: 512,
        maxWaitMs: 20,
        latencyTargetMs: 2000,
        concurrency: 1,
        onBatch: this.report(`upsert:${collection}`),
      });
      this.upsert.set(collection, batcher);
    }
    return batcher;
  }

  /** Forgets the upsert batcher of a store collection that is gone (after a re-embedding). */
  async releaseUpsertBatcher(collection: string): Promise<void> {
    const batcher = this.upsert.get(collection);
    this.upsert.delete(collection);
    await batcher?.close();
  }

  all(): AdaptiveBatcher<unknown, unknown>[] {
    return [...this.embed.values(), ...this.upsert.values()] as AdaptiveBatcher<unknown, unknown>[];
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.all().map((b) => b.close()));
  }
}
