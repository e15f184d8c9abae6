/**
 * Weighted reciprocal rank fusion (Cormack et al. 2009): each ranked list contributes
 * `weight / (k + rank)` (rank from 1) to every item it contains; items are returned by the
 * summed score, best first. Only ranks matter, so lists with incomparable scores (cosine
 * similarity, BM25) fuse without calibration.
 */

export const DEFAULT_RRF_K = 60;

export interface RankedList<T> {
  /** Items best first. */
  items: readonly T[];
  weight: number;
}

export interface FusedItem<T> {
  item: T;
  score: number;
}

/**
 * Fuses ranked lists; an item is identified by `idOf` and the first occurrence (in list order)
 * is the one returned. Ties keep the order in which items were first seen, so fusing one list
 * returns it unchanged. Non-positive or non-finite weights drop a list.
 */
export function fuseReciprocalRank<T>(
  lists: readonly RankedList<T>[],
  idOf: (item: T) => string,
  k: number = DEFAULT_RRF_K,
): FusedItem<T>[] {
  if (!(k >= 0) || !Number.isFinite(k)) throw new RangeError(`RRF k must be >= 0, got ${k}`);
  const fused = new Map<string, { item: T; score: number; firstSeen: number }>();
  let seen = 0;
  for (const list of lists) {
    if (!(list.weight > 0) || !Number.isFinite(list.weight)) continue;
    const rankedIds = new Set<string>();
    list.items.forEach((item, index) => {
      const id = idOf(item);
      // A list that repeats an item counts only its best rank.
      if (rankedIds.has(id)) return;
      rankedIds.add(id);
      const contribution = list.weight / (k + index + 1);
      const entry = fused.get(id);
      if (entry) entry.score += contribution;
      else fused.set(id, { item, score: contribution, firstSeen: seen++ });
    });
  }
  return [...fused.values()]
    .sort((a, b) => b.score - a.score || a.firstSeen - b.firstSeen)
    .map(({ item, score }) => ({ item, score }));
}
