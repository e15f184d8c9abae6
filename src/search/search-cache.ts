import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import Redis from 'ioredis';
import { LRUCache } from 'lru-cache';
import { pack, unpack } from 'msgpackr';
import { sha256Hex } from '../common/hashing';
import { stableStringify } from '../common/metadata';
import { APP_CONFIG, AppConfig } from '../config/config';
import { MonitorService } from '../monitor/monitor.service';
import { TUNABLE } from '../monitor/tunables';
import { REDIS } from '../redis/redis.module';
import { HitView } from './search.types';
import { SearchSpec } from '../queues/search-job';

export interface CacheStats {
  l1Hits: number;
  l1Misses: number;
  l2Hits: number;
  l2Misses: number;
  l2Errors: number;
  l1Entries: number;
  l1Bytes: number;
}

/** The cache key covers the normalised request and the collection's version. */
export function searchCacheKey(spec: SearchSpec, version: number): string {
  return sha256Hex(stableStringify(spec), String(version)).slice(0, 40);
}

/**
 * Two tiers: L1 an in-process LRU (bounded by entries and bytes, with a TTL), L2 Redis
 * (msgpack values with a TTL, shared by every api process). A Redis failure degrades to L1
 * alone: lookups miss and writes are skipped, searches never fail because of the cache.
 */
@Injectable()
export class SearchCache {
  private readonly logger = new Logger('SearchCache');
  private l1: LRUCache<string, HitView[]>;
  private readonly counters = { l1Hits: 0, l1Misses: 0, l2Hits: 0, l2Misses: 0, l2Errors: 0 };
  private lastL2ErrorLog = 0;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() monitor?: MonitorService,
  ) {
    this.l1 = this.createL1(config.search.l1MaxEntries);
    const configured = config.search.l1MaxEntries;
    monitor?.registerTunable({
      name: TUNABLE.l1MaxEntries,
      get: () => this.l1MaxEntries,
      set: (v) => (this.l1MaxEntries = v),
      min: Math.min(100, configured),
      max: configured,
      baseline: configured,
    });
  }

  private createL1(max: number): LRUCache<string, HitView[]> {
    return new LRUCache<string, HitView[]>({
      max,
      maxSize: this.config.search.l1MaxBytes,
      sizeCalculation: (hits) => 64 + hits.reduce((n, h) => n + 160 + h.text.length * 2, 0),
      ttl: this.config.search.cacheTtlSeconds * 1000,
      updateAgeOnGet: false,
    });
  }

  get l1MaxEntries(): number {
    return this.l1.max;
  }

  /** Resizes L1 (the monitor shrinks it under memory pressure), keeping the most recent entries. */
  set l1MaxEntries(max: number) {
    const next = this.createL1(Math.max(1, Math.round(max)));
    for (const [key, value] of [...this.l1.entries()].slice(0, next.max).reverse())
      next.set(key, value);
    this.l1 = next;
  }

  private l2Key(key: string): string {
    return `${this.config.prefix}:sc:${key}`;
  }

  getL1(key: string): HitView[] | undefined {
    const hit = this.l1.get(key);
    if (hit) this.counters.l1Hits++;
    else this.counters.l1Misses++;
    return hit;
  }

  async getL2(key: string): Promise<HitView[] | undefined> {
    try {
      const raw = await this.redis.getBuffer(this.l2Key(key));
      if (!raw) {
        this.counters.l2Misses++;
        return undefined;
      }
      this.counters.l2Hits++;
      const hits = unpack(raw) as HitView[];
      this.l1.set(key, hits);
      return hits;
    } catch (err) {
      this.noteL2Error(err);
      return undefined;
    }
  }

  async set(key: string, hits: HitView[]): Promise<void> {
    this.l1.set(key, hits);
    try {
      await this.redis.set(this.l2Key(key), pack(hits), 'EX', this.config.search.cacheTtlSeconds);
    } catch (err) {
      this.noteL2Error(err);
    }
  }

  private noteL2Error(err: unknown): void {
    this.counters.l2Errors++;
    if (Date.now() - this.lastL2ErrorLog > 10_000) {
      this.lastL2ErrorLog = Date.now();
      this.logger.warn(
        `L2 cache (Redis) unavailable, serving from L1 only: ${(err as Error).message}`,
      );
    }
  }

  stats(): CacheStats {
    return { ...this.counters, l1Entries: this.l1.size, l1Bytes: this.l1.calculatedSize };
  }
}
