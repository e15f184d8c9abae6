import type { Schemas } from '@qdrant/js-client-rest';
import {
  bm25DocumentWeights,
  bm25QueryWeights,
  DEFAULT_BM25_PARAMS,
  type Bm25Params,
} from '../bm25/bm25-weighting';

export type SparseVector = Schemas['SparseVector'];

/** Name of the sparse vector that holds BM25 term weights (IDF applied by Qdrant's modifier). */
export const BM25_VECTOR = 'bm25';

/** Qdrant wants unique indices; sorted ones make equal texts produce equal JSON. */
export function toSparseVector(weights: Map<number, number>): SparseVector {
  const ids = [...weights.keys()].sort((a, b) => a - b);
  return { indices: ids, values: ids.map((id) => weights.get(id) ?? 0) };
}

/** The stored side: BM25 tf saturation and length normalisation per term. */
export function documentSparseVector(
  text: string,
  params: Bm25Params = DEFAULT_BM25_PARAMS,
): SparseVector {
  return toSparseVector(bm25DocumentWeights(text, params));
}

/** The query side: term counts; Qdrant multiplies each by the term's IDF and the stored weight. */
export function querySparseVector(text: string): SparseVector {
  return toSparseVector(bm25QueryWeights(text));
}
