import { Index } from '@lancedb/lancedb';
import type { CollectionSpec } from '../vector-store.port';

/**
 * The ANN index per quantization, from what LanceDB 0.31 offers (ivfFlat, ivfPq, ivfRq,
 * hnswPq, hnswSq; there is no HNSW over raw float vectors):
 * - int8 → IVF_HNSW_SQ: an HNSW graph (m, efConstruction from the spec) over 8-bit scalar
 *   quantized vectors, one IVF partition per million rows. Searched with `ef` and a
 *   `refineFactor`, which re-scores limit × refineFactor candidates on the stored float32
 *   vectors, so ranking and scores are exact among the candidates.
 * - none → IVF_FLAT: the only index that keeps float32 vectors (no quantization error);
 *   ~sqrt(rows) k-means partitions, searched exhaustively within the `nprobes` nearest.
 *   `ef` is translated to nprobes (see nprobesForEf) so one knob tunes both.
 */
export type VectorIndexKind = 'hnsw-sq' | 'ivf-flat';

export const VECTOR_INDEX_NAME = 'vector_idx';

/** LanceDB's names for these (listIndices().indexType). */
const INDEX_TYPES: Record<string, VectorIndexKind> = {
  IvfHnswSq: 'hnsw-sq',
  IVF_HNSW_SQ: 'hnsw-sq',
  IvfFlat: 'ivf-flat',
  IVF_FLAT: 'ivf-flat',
};

export function vectorIndexKindOf(indexType: string): VectorIndexKind | null {
  return INDEX_TYPES[indexType] ?? null;
}

export function vectorIndexKindFor(spec: CollectionSpec): VectorIndexKind {
  return spec.quantization === 'int8' ? 'hnsw-sq' : 'ivf-flat';
}

export function ivfFlatPartitions(rows: number): number {
  return Math.max(1, Math.min(4096, Math.round(Math.sqrt(rows))));
}

export function vectorIndexConfig(spec: CollectionSpec, rows: number): Index {
  if (vectorIndexKindFor(spec) === 'hnsw-sq') {
    return Index.hnswSq({
      distanceType: 'cosine',
      m: spec.hnsw.m,
      efConstruction: spec.hnsw.efConstruct,
      numPartitions: Math.max(1, Math.ceil(rows / 1_000_000)),
    });
  }
  return Index.ivfFlat({ distanceType: 'cosine', numPartitions: ivfFlatPartitions(rows) });
}

/**
 * IVF_FLAT breadth for an HNSW-style `ef`: ef / 4 partitions (ef 64 → 16 of ~316 partitions
 * at 100k rows). Measured by bench/store.bench.ts.
 */
export function nprobesForEf(ef: number): number {
  return Math.max(1, Math.ceil(ef / 4));
}

export interface AnnParams {
  ef?: number;
  nprobes?: number;
  refineFactor?: number;
}

/** Search parameters for one ANN query on a collection with index `kind`. */
export function annParams(
  kind: VectorIndexKind,
  limit: number,
  ef: number,
  refineFactor: number,
): AnnParams {
  if (kind === 'ivf-flat') return { nprobes: nprobesForEf(ef) };
  const refine = refineFactor >= 1 ? Math.floor(refineFactor) : undefined;
  // The graph search must hold at least as many candidates as the refine step re-scores.
  const candidates = limit * (refine ?? 1);
  return { ef: Math.max(ef, candidates), refineFactor: refine };
}

/** How the collection's ANN index reads `ef` (the tuner prints it beside its table). */
export function describeVectorIndex(
  spec: CollectionSpec,
  rows: number,
  refineFactor: number,
): string {
  if (vectorIndexKindFor(spec) === 'ivf-flat') {
    return (
      `IVF_FLAT (float32, about ${ivfFlatPartitions(rows)} partitions): ef is read as ` +
      `nprobes = ef / 4 partitions searched`
    );
  }
  const refine = refineFactor >= 1 ? Math.floor(refineFactor) : 0;
  const rescoring =
    refine > 0
      ? `; 'rescore' re-ranks limit × ${refine} candidates on the float32 vectors, so ef is at least limit × ${refine}`
      : '; no float32 re-ranking is configured (refineFactor 0)';
  return (
    `IVF_HNSW_SQ (HNSW over int8, m ${spec.hnsw.m}, efConstruction ${spec.hnsw.efConstruct}): ` +
    `ef is the graph search breadth${rescoring}`
  );
}
