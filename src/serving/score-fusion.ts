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

/** The least score and the span to the greatest (a side whose scores are all equal: span 0). */
export function scoreRange(scores: Iterable<number>): { min: number; span: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const score of scores) {
    if (score < min) min = score;
    if (score > max) max = score;
  }
  return { min, span: max - min };
}

/** A score mapped to [0, 1] within its side's range; a side of equal scores maps them to 1. */
export function normalised(score: number, range: { min: number; span: number }): number {
  return range.span > 0 ? (score - range.min) / range.span : 1;
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
  const denseRange = scoreRange(dense.values());
  const bm25Range = scoreRange(bm25.values());
  const fused = new Map<K, number>();
  for (const [key, score] of dense) fused.set(key, w.dense * normalised(score, denseRange));
  for (const [key, score] of bm25) {
    fused.set(key, (fused.get(key) ?? 0) + w.bm25 * normalised(score, bm25Range));
  }
  return fused;
}
