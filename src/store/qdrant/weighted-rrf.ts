/**
 * Qdrant's reciprocal rank fusion: score = Σ 1 / (k + rank) with 0-based ranks and k = 2 (its
 * default for `fusion: 'rrf'`). The client-side fusion uses the same constants, so weighted
 * and unweighted hybrid scores are on one scale.
 */
export const QDRANT_RRF_K = 2;

export interface RankedList<T> {
  items: readonly T[];
  weight: number;
}

export interface FusedItem<T> {
  item: T;
  score: number;
}

/**
 * Weighted RRF: score = Σ weight_i / (k + rank_i) over the lists an item appears in. Ties are
 * broken by the best rank reached in any list, then by first appearance, so the order is stable.
 */
export function weightedRrf<T>(
  lists: readonly RankedList<T>[],
  idOf: (item: T) => string,
  limit: number,
  k: number = QDRANT_RRF_K,
): FusedItem<T>[] {
  const fused = new Map<string, { item: T; score: number; bestRank: number; order: number }>();
  let order = 0;
  for (const list of lists) {
    list.items.forEach((item, rank) => {
      const id = idOf(item);
      const contribution = list.weight / (k + rank);
      const entry = fused.get(id);
      if (entry) {
        entry.score += contribution;
        entry.bestRank = Math.min(entry.bestRank, rank);
      } else {
        fused.set(id, { item, score: contribution, bestRank: rank, order: order++ });
      }
    });
  }
  return [...fused.values()]
    .sort((a, b) => b.score - a.score || a.bestRank - b.bestRank || a.order - b.order)
    .slice(0, Math.max(0, limit))
    .map(({ item, score }) => ({ item, score }));
}
