/**
 * Relative score fusion (Weaviate's relativeScoreFusion, OpenSearch's min-max normaliser with
 * an arithmetic mean; Bruch et al., arXiv 2210.11934, found such a convex combination beats
 * reciprocal-rank fusion): each side's scores are mapped to [0, 1] over its own candidates
 * (best 1, worst 0), and a document's score is the weighted sum over the sides. A document one
 * side did not return scores 0 there.
 */
export interface FusionWeights {
  dense: number;
  bm25: number;
}

/** Min-max normalised scores by key; a side whose scores are all equal maps them to 1. */
export function minMaxNormalised<K>(scores: ReadonlyMap<K, number>): Map<K, number> {
  let min = Infinity;
  let max = -Infinity;
  for (const score of scores.values()) {
    if (score < min) min = score;
    if (score > max) max = score;
  }
  const span = max - min;
  const normalised = new Map<K, number>();
  for (const [key, score] of scores) normalised.set(key, span > 0 ? (score - min) / span : 1);
  return normalised;
}

/** Weights scaled to sum to 1 (both 0 means BM25 alone). */
export function convexWeights(weights: FusionWeights): FusionWeights {
  const total = weights.dense + weights.bm25;
  return total > 0
    ? { dense: weights.dense / total, bm25: weights.bm25 / total }
    : { dense: 0, bm25: 1 };
}

export function fuseScores<K>(
  dense: ReadonlyMap<K, number>,
  bm25: ReadonlyMap<K, number>,
  weights: FusionWeights,
): Map<K, number> {
  const w = convexWeights(weights);
  const d = minMaxNormalised(dense);
  const b = minMaxNormalised(bm25);
  const fused = new Map<K, number>();
  for (const key of new Set([...d.keys(), ...b.keys()])) {
    fused.set(key, w.dense * (d.get(key) ?? 0) + w.bm25 * (b.get(key) ?? 0));
  }
  return fused;
}
