import { Inject, Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { CollectionRecords } from '../catalog/collection-records';
import { APP_CONFIG, AppConfig } from '../config/config';
import { MetricsService } from '../metrics/metrics.service';
import { REDIS } from '../redis/redis.module';
import { StoredPoint, VECTOR_STORE, VectorStore } from '../store/vector-store.port';
import { ChangeFeed } from '../store/change-feed';
import { ServingCollection, servingCollectionFor } from './serving-collection';

/** Points read from the store per batch while loading; the event loop runs between batches. */
const LOAD_BATCH = 64;
/** After a failed load, searches use the store for this long before the next try. */
const RETRY_LOAD_AFTER_MS = 30_000;

interface ServingState {
  collection: string;
  storeName: string;
  index: ServingCollection | null;
  /** The change-feed entry the index has applied up to. */
  lastEntryId: string;
  /** The collection version the index is known to reflect (every write up to it is applied). */
  version: number;
  /** The highest version a search has asked for. */
  wanted: number;
  loading: Promise<void> | null;
  catchingUp: Promise<void> | null;
  failedAt: number;
  tooLarge: boolean;
}

/**
 * The in-memory serving indexes of this worker process, one per store collection (embedded
 * store only: Qdrant serves its own searches). Each is loaded from the durable store in the
 * background the first time its collection is searched (the store answers meanwhile), then
 * kept current from the change feed: a search carries the collection version it was asked at,
 * and the index applies every write recorded up to that version before answering, so no
 * answer is stale after its write completed, in any process.
 */
@Injectable()
export class ServingIndexes {
  private readonly logger = new Logger('ServingIndexes');
  private readonly states = new Map<string, ServingState>();
  private readonly feed: ChangeFeed;
  private closed = false;
  private reportedAt = 0;

  constructor(
    @Inject(VECTOR_STORE) private readonly store: VectorStore,
    @Inject(REDIS) redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly collections: CollectionRecords,
    private readonly metrics: MetricsService,
  ) {
    this.feed = new ChangeFeed(redis, config.prefix);
  }

  get enabled(): boolean {
    return (
      this.config.serving.enabled &&
      this.store.kind === 'lancedb' &&
      this.store.scanPoints !== undefined &&
      this.store.getPoints !== undefined
    );
  }

  /**
   * The collection's index, reflecting at least `version`, or null while it is not loaded
   * (or cannot be: too large, failed): the caller then searches the store.
   */
  async current(
    collection: string,
    storeName: string,
    version: number,
  ): Promise<ServingCollection | null> {
    if (!this.enabled || this.closed) return null;
    const state = this.stateOf(collection, storeName);
    if (!state.index) {
      this.startLoading(state);
      return null;
    }
    await this.ensureVersion(state, version);
    return state.index;
  }

  /** Loads a collection now and waits for it (warm-up, benchmarks, tests). */
  async load(collection: string, storeName: string): Promise<ServingCollection | null> {
    if (!this.enabled) return null;
    const state = this.stateOf(collection, storeName);
    this.startLoading(state);
    await state.loading;
    return state.index;
  }

  /** Chunks held and approximate bytes, per store collection. */
  stats(): Array<{ storeName: string; chunks: number; bytes: number }> {
    return [...this.states.values()]
      .filter((s) => s.index)
      .map((s) => ({
        storeName: s.storeName,
        chunks: (s.index as ServingCollection).size,
        bytes: (s.index as ServingCollection).approximateBytes(),
      }));
  }

  close(): void {
    this.closed = true;
    this.states.clear();
  }

  private stateOf(collection: string, storeName: string): ServingState {
    let state = this.states.get(storeName);
    if (!state) {
      state = {
        collection,
        storeName,
        index: null,
        lastEntryId: '0-0',
        version: 0,
        wanted: 0,
        loading: null,
        catchingUp: null,
        failedAt: 0,
        tooLarge: false,
      };
      this.states.set(storeName, state);
    }
    return state;
  }

  private heldChunks(except: ServingState): number {
    let total = 0;
    for (const state of this.states.values()) {
      if (state !== except) total += state.index?.size ?? 0;
    }
    return total;
  }

  private startLoading(state: ServingState): void {
    if (state.loading || state.tooLarge) return;
    if (Date.now() - state.failedAt < RETRY_LOAD_AFTER_MS) return;
    state.loading = this.loadInto(state)
      .catch((error: unknown) => {
        state.failedAt = Date.now();
        this.logger.warn(
          `serving index for '${state.storeName}' not loaded (searches use the store): ${(error as Error).message}`,
        );
      })
      .finally(() => {
        state.loading = null;
      });
  }

  /**
   * Reads the version, then the feed's head, then every stored point: any write the version
   * covers committed before the scan (so the scan sees it) or is in the feed after the head.
   */
  private async loadInto(state: ServingState): Promise<void> {
    const started = performance.now();
    const version = await this.collections.version(state.collection);
    const head = await this.feed.head(state.storeName);
    const budget = this.config.serving.maxChunks - this.heldChunks(state);
    const index = servingCollectionFor(this.config.search);
    for await (const batch of (this.store.scanPoints as NonNullable<VectorStore['scanPoints']>)(
      state.storeName,
      LOAD_BATCH,
    )) {
      if (this.closed) return;
      if (index.size + batch.length > budget) {
        state.tooLarge = true;
        this.logger.warn(
          `'${state.storeName}' holds more chunks than RAGLINE_SERVING_MAX_CHUNKS leaves for it (${budget}): its searches use the store`,
        );
        return;
      }
      index.apply(batch, []);
      await yieldToEventLoop();
    }
    state.index = index;
    state.lastEntryId = head;
    state.version = Math.max(state.version, version);
    await this.ensureVersion(state, state.wanted);
    const ms = performance.now() - started;
    const bytes = index.approximateBytes();
    this.metrics.observeServingLoad(ms);
    this.reportMemory(true);
    this.logger.log(
      `serving '${state.storeName}' from memory: ${index.size} chunks loaded in ${Math.round(ms)} ms, ~${index.size ? Math.round(bytes / index.size) : 0} bytes a chunk`,
    );
  }

  /** Updates the memory gauges, at most every 10 s (counting postings is not free). */
  private reportMemory(force = false): void {
    if (!force && Date.now() - this.reportedAt < 10_000) return;
    this.reportedAt = Date.now();
    const all = this.stats();
    this.metrics.setServingIndexes(
      all.reduce((sum, s) => sum + s.chunks, 0),
      all.reduce((sum, s) => sum + s.bytes, 0),
    );
  }

  private async ensureVersion(state: ServingState, version: number): Promise<void> {
    state.wanted = Math.max(state.wanted, version);
    while (state.version < version && state.index) {
      if (!state.catchingUp) {
        const target = state.wanted;
        state.catchingUp = this.catchUp(state)
          .then((caughtUp) => {
            if (caughtUp) state.version = Math.max(state.version, target);
          })
          .finally(() => {
            state.catchingUp = null;
          });
      }
      await state.catchingUp;
    }
  }

  /** Applies every feed entry after the index's position; a reset or a gap reloads it. */
  private async catchUp(state: ServingState): Promise<boolean> {
    for (;;) {
      const entries = await this.feed.readAfter(state.storeName, state.lastEntryId);
      if (entries === 'gap' || entries.some((e) => e.reset)) {
        this.logger.log(
          `serving index for '${state.storeName}' reloads (collection reset or feed trimmed)`,
        );
        state.index = null;
        state.version = 0;
        this.startLoading(state);
        return false;
      }
      if (entries.length === 0) return true;
      const ids = new Set<string>();
      for (const entry of entries) {
        for (const id of entry.upserted) ids.add(id);
        for (const id of entry.removed) ids.add(id);
      }
      const present = await (this.store.getPoints as NonNullable<VectorStore['getPoints']>)(
        state.storeName,
        [...ids],
      );
      const found = new Set(present.map((p: StoredPoint) => p.id));
      state.index?.apply(
        present,
        [...ids].filter((id) => !found.has(id)),
      );
      state.lastEntryId = entries[entries.length - 1].id;
      this.reportMemory();
    }
  }
}
