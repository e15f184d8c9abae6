/**
 * Exact top-k by dot product over flat unit vectors (so: cosine), by brute force in JS: the
 * ground truth ANN recall is measured against. Returns, per query, point indexes best first.
 */
export function bruteForceTopK(
  data: Float32Array,
  queries: Float32Array,
  dims: number,
  k: number,
): number[][] {
  const n = data.length / dims;
  const q = queries.length / dims;
  const truth: number[][] = [];
  for (let j = 0; j < q; j++) {
    const qo = j * dims;
    const bestIds: number[] = [];
    const bestScores: number[] = [];
    for (let p = 0; p < n; p++) {
      const po = p * dims;
      let dot = 0;
      for (let i = 0; i < dims; i++) dot += data[po + i] * queries[qo + i];
      if (bestScores.length < k || dot > bestScores[bestScores.length - 1]) {
        let at = bestScores.length;
        while (at > 0 && bestScores[at - 1] < dot) at--;
        bestScores.splice(at, 0, dot);
        bestIds.splice(at, 0, p);
        if (bestScores.length > k) {
          bestScores.pop();
          bestIds.pop();
        }
      }
    }
    truth.push(bestIds);
  }
  return truth;
}
