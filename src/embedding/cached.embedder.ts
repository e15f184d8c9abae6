import { createHash } from 'node:crypto';
import type Redis from 'ioredis';
import type { EmbedOptions, Embedder } from './embedder.port';
import { getBuffers, setEachWithTtl } from '../redis/multi-key';
import { normaliseEmbeddingBatch } from './text-normalisation';

export const DEFAULT_EMBEDDING_CACHE_TTL_SECONDS = 7 * 24 * 3600;

export interface CachedEmbedderOptions {
  /** Key prefix shared with the rest of the deployment, e.g. `ragline`. */
  prefix: string;
  /**
   * Lifetime of each entry. Production Redis runs `noeviction` (BullMQ needs it), so nothing
   * else ever removes an entry: the TTL is the only bound on the cache's memory (about 2.2 KB
   * per 512-dim entry). 0 or less disables the cache. Default 7 days.
   */
  ttlSeconds?: number;
  /** Longest wait for one Redis read or write before bypassing the cache. Default 500 ms. */
  timeoutMs?: number;
  /** Called after every embed() with that call's counts (for metrics). */
  onStats?: (hits: number, misses: number, errors: number) => void;
}

export interface EmbeddingCacheStats {
  /** Distinct texts found in the cache. */
  hits: number;
  /** Distinct texts sent to the wrapped embedder. */
  misses: number;
  /** Repeats of a text within one call, served from the same lookup. */
  duplicates: number;
  /** Redis reads or writes that failed, timed out, or were skipped because Redis was down. */
  errors: number;
}

/**
 * Wraps any Embedder with a Redis cache of vectors keyed by embedder id and content:
 * `${prefix}:emb:${embedderId}:${sha256(normalisedText)}` -> raw little-endian float32 bytes.
 * One MGET per call to read, one pipeline per call to write; identical texts in a call are
 * embedded once. Redis trouble never fails an embedding: the cache is bypassed and counted.
 */
export class CachedEmbedder implements Embedder {
  readonly id: string;
  readonly dimensions: number;
  readonly maxInputTokens: number;
  private readonly ttlSeconds: number;
  private readonly timeoutMs: number;
  private readonly totals: EmbeddingCacheStats = { hits: 0, misses: 0, duplicates: 0, errors: 0 };

  constructor(
    private readonly inner: Embedder,
    private readonly redis: Redis,
    private readonly options: CachedEmbedderOptions,
  ) {
    this.id = inner.id;
    this.dimensions = inner.dimensions;
    this.maxInputTokens = inner.maxInputTokens;
    this.ttlSeconds = options.ttlSeconds ?? DEFAULT_EMBEDDING_CACHE_TTL_SECONDS;
    this.timeoutMs = options.timeoutMs ?? 500;
  }

  countTokens(text: string): number {
    return this.inner.countTokens(text);
  }

  /** Cumulative counts since construction (a copy). */
  stats(): EmbeddingCacheStats {
    return { ...this.totals };
  }

  /** The Redis key of a text's vector (the text is normalised first, like embed() does). */
  keyFor(normalisedText: string): string {
    const digest = createHash('sha256').update(normalisedText, 'utf8').digest('hex');
    return `${this.options.prefix}:emb:${this.id}:${digest}`;
  }

  async embed(texts: string[], options?: EmbedOptions): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    if (options?.sharedCache === false) return this.inner.embed(texts, options);
    const normalised = normaliseEmbeddingBatch(texts);
    const slotOf = new Map<string, number>();
    const unique: string[] = [];
    const slots = normalised.map((text) => {
      let slot = slotOf.get(text);
      if (slot === undefined) {
        slot = unique.length;
        slotOf.set(text, slot);
        unique.push(text);
      }
      return slot;
    });
    const keys = unique.map((text) => this.keyFor(text));
    let errors = 0;

    const vectors = new Array<Float32Array | null>(unique.length).fill(null);
    if (this.enabled()) {
      const read = await this.read(keys);
      if (read === null) errors++;
      else read.forEach((vector, slot) => (vectors[slot] = vector));
    }
    const missing: number[] = [];
    vectors.forEach((vector, slot) => {
      if (vector === null) missing.push(slot);
    });
    if (missing.length > 0) {
      const fresh = await this.inner.embed(
        missing.map((slot) => unique[slot]),
        options,
      );
      missing.forEach((slot, i) => (vectors[slot] = fresh[i]));
      if (this.enabled()) {
        const written = this.write(
          missing.map((slot) => keys[slot]),
          fresh,
        );
        // Someone waits on an interactive call (a search): it need not wait for the cache's
        // write as well. A write that fails later is counted when it does.
        if ((options?.priority ?? 'interactive') === 'interactive') {
          void written.then((ok) => {
            if (!ok) this.countLateWriteError();
          });
        } else if (!(await written)) {
          errors++;
        }
      }
    }

    const hits = unique.length - missing.length;
    this.totals.hits += hits;
    this.totals.misses += missing.length;
    this.totals.duplicates += texts.length - unique.length;
    this.totals.errors += errors;
    this.options.onStats?.(hits, missing.length, errors);

    const handedOut = new Set<number>();
    return slots.map((slot) => {
      const vector = vectors[slot] as Float32Array;
      // A repeated text gets its own copy, so callers can never alias one another's vectors.
      if (handedOut.has(slot)) return vector.slice();
      handedOut.add(slot);
      return vector;
    });
  }

  private countLateWriteError(): void {
    this.totals.errors++;
    this.options.onStats?.(0, 0, 1);
  }

  async close(): Promise<void> {
    // The Redis connection belongs to the caller; only the wrapped embedder is ours to close.
    await this.inner.close();
  }

  private enabled(): boolean {
    return this.ttlSeconds > 0;
  }

  /** Vectors (null for misses), or null when Redis is unavailable. */
  private async read(keys: string[]): Promise<Array<Float32Array | null> | null> {
    if (this.redis.status !== 'ready') return null;
    try {
      const values = await this.withTimeout(getBuffers(this.redis, keys));
      return values.map((value) => this.decode(value));
    } catch {
      return null;
    }
  }

  private async write(keys: string[], vectors: Float32Array[]): Promise<boolean> {
    if (this.redis.status !== 'ready') return false;
    const entries = keys.map((key, i): [string, Buffer] => {
      const v = vectors[i];
      // A copy: an interactive write is not awaited, and its caller owns the vector.
      return [key, Buffer.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))];
    });
    try {
      await this.withTimeout(setEachWithTtl(this.redis, entries, this.ttlSeconds));
      return true;
    } catch {
      return false;
    }
  }

  private decode(value: Buffer | null): Float32Array | null {
    // Another size means another model wrote it or it is damaged: treat as a miss.
    if (value === null || value.length !== this.dimensions * 4) return null;
    const vector = new Float32Array(this.dimensions);
    new Uint8Array(vector.buffer).set(value);
    return vector;
  }

  private withTimeout<T>(promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`redis did not answer in ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    promise.catch(() => undefined);
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }
}
