import { LRUCache } from 'lru-cache';

/**
 * Vectors of recent search queries, in this process only (an LRU bounded by entries). Query
 * vectors stay out of the shared Redis embedding cache: every distinct query would otherwise
 * keep about 2 KB in Redis for the embedding cache's lifetime (7 days by default), and Redis
 * runs `noeviction`, so unique-query traffic would grow it without bound. Identical searches
 * in other processes are already shared through the search cache's L2; this cache spares the
 * model when a known query runs again after a write changed its collection's version (which
 * is when the search cache misses), and costs no Redis round trip on the miss path.
 *
 * Vectors are shared with every search that reads them: callers must not modify them.
 */
export class QueryVectorCache {
  private readonly entries?: LRUCache<string, Float32Array>;

  /** `maxEntries` 0 turns the cache off. */
  constructor(maxEntries: number) {
    if (maxEntries > 0) this.entries = new LRUCache<string, Float32Array>({ max: maxEntries });
  }

  get(embedderId: string, query: string): Float32Array | undefined {
    return this.entries?.get(keyOf(embedderId, query));
  }

  set(embedderId: string, query: string, vector: Float32Array): void {
    this.entries?.set(keyOf(embedderId, query), vector);
  }

  get size(): number {
    return this.entries?.size ?? 0;
  }
}

function keyOf(embedderId: string, query: string): string {
  return `${embedderId}\u0000${query}`;
}
