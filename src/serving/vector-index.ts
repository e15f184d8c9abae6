import { Index, MetricKind, ScalarKind } from 'usearch';

export interface VectorIndexOptions {
  dimensions: number;
  /** HNSW links per node (M). */
  connectivity: number;
  /** Candidate list while inserting (efConstruction). */
  expansionAdd: number;
  /** Candidate list while searching (ef); at least the number of results asked for. */
  expansionSearch: number;
}

export interface VectorMatch {
  slot: number;
  /** Cosine similarity. */
  score: number;
}

/**
 * A native HNSW graph (usearch) over half-precision vectors, cosine metric, searched in-process.
 * Measured here on 20,000 clustered 512-dim vectors at ef 128: recall@10 against exact float32
 * search 0.998 with f16 (int8 stopped at 0.90 whatever the ef: its rounding, not the graph),
 * about 1 ms a query on a loaded machine (see `npm run bench:search`). Keys are
 * fresh for every insert (a replaced vector gets a new key), so a removal and a re-insert of
 * the same chunk never collide inside the graph.
 */
export class VectorIndex {
  private readonly index: Index;
  private readonly slotOfKey = new Map<bigint, number>();
  private readonly keyOfSlot = new Map<number, bigint>();
  private nextKey = 1n;

  constructor(private readonly options: VectorIndexOptions) {
    this.index = new Index({
      metric: MetricKind.Cos,
      dimensions: options.dimensions,
      connectivity: options.connectivity,
      quantization: ScalarKind.F16,
      expansion_add: options.expansionAdd,
      expansion_search: options.expansionSearch,
      multi: false,
    });
  }

  get dimensions(): number {
    return this.options.dimensions;
  }

  get size(): number {
    return this.slotOfKey.size;
  }

  set(slot: number, vector: Float32Array): void {
    this.remove(slot);
    const key = this.nextKey++;
    this.index.add(key, vector, 1);
    this.slotOfKey.set(key, slot);
    this.keyOfSlot.set(slot, key);
  }

  remove(slot: number): void {
    const key = this.keyOfSlot.get(slot);
    if (key === undefined) return;
    this.index.remove(key);
    this.keyOfSlot.delete(slot);
    this.slotOfKey.delete(key);
  }

  /**
   * The `k` nearest chunks accepted by `accept` (all when absent). Filtered searches ask the
   * graph for more neighbours in rounds (4x, 16x, 64x); `complete` is false when a selective
   * filter left fewer than `k` matches while more chunks remain unseen, and the caller then
   * needs an exact scan elsewhere.
   */
  search(
    vector: Float32Array,
    k: number,
    accept?: (slot: number) => boolean,
  ): { matches: VectorMatch[]; complete: boolean } {
    const size = this.slotOfKey.size;
    if (size === 0 || k <= 0) return { matches: [], complete: true };
    for (const factor of accept ? [4, 16, 64] : [1]) {
      const asked = Math.min(size, k * factor);
      const found = this.index.search(vector, asked, 1);
      const matches: VectorMatch[] = [];
      for (let i = 0; i < found.keys.length && matches.length < k; i++) {
        const slot = this.slotOfKey.get(found.keys[i]);
        if (slot === undefined || (accept && !accept(slot))) continue;
        matches.push({ slot, score: 1 - found.distances[i] });
      }
      if (matches.length >= k || asked >= size) return { matches, complete: true };
    }
    return { matches: [], complete: false };
  }

  /** Bytes the graph and its half-precision vectors take (the index's own layout). */
  approximateBytes(): number {
    const perVector = this.options.dimensions * 2 + this.options.connectivity * 2 * 4 + 16;
    return this.slotOfKey.size * (perVector + 64);
  }
}
