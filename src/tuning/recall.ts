import type { SearchHit } from '../store/vector-store.port';

/** Scores closer than this count as tied (float32 cosine of near-duplicates). */
const TIE_EPSILON = 1e-6;

/**
 * The true neighbours of one sampled point, from an exact search that asked for more than k
 * hits: the point itself is dropped (it is its own nearest neighbour, which every search finds,
 * so counting it would flatter recall), the first k others are the truth, and any further hit
 * tied with the k-th counts as correct too (duplicate chunks have equal scores, and which of
 * them fills the last place is arbitrary).
 */
export interface NeighbourTruth {
  /** How many neighbours a perfect answer finds: k, or fewer in a tiny collection. */
  size: number;
  accepted: ReadonlySet<string>;
}

export function neighbourTruth(selfId: string, exactHits: SearchHit[], k: number): NeighbourTruth {
  const others = exactHits.filter((hit) => hit.id !== selfId);
  const size = Math.min(k, others.length);
  if (size === 0) return { size, accepted: new Set() };
  const kth = others[size - 1].score;
  const accepted = new Set(
    others.filter((hit, i) => i < size || hit.score >= kth - TIE_EPSILON).map((hit) => hit.id),
  );
  return { size, accepted };
}

/** Recall@k of one approximate answer (self excluded the same way): found / truth size. */
export function neighbourRecall(
  selfId: string,
  approxHits: SearchHit[],
  truth: NeighbourTruth,
  k: number,
): number {
  if (truth.size === 0) return 1;
  const answer = approxHits.filter((hit) => hit.id !== selfId).slice(0, k);
  const found = answer.filter((hit) => truth.accepted.has(hit.id)).length;
  return Math.min(found, truth.size) / truth.size;
}
