/** What a search needs of a collection's tuning (see SearchTuning). */
export interface TunedEf {
  ef: number;
  floorEf: number;
}

/**
 * The ef a search of a tuned collection uses. The monitor's search-ef rule moves one
 * process-wide ef (from its baseline, RAGLINE_SEARCH_DEFAULT_EF, down to RAGLINE_SEARCH_EF_MIN
 * under load, and back); a tuned collection follows it in proportion: its own ef scaled by
 * processEf / baselineEf, kept between its floorEf (the smallest ef that still met its recall
 * floor on its own data) and its ef (which already meets the target, so more would only cost).
 * Unloaded, it searches with exactly its tuned ef. A request's own params.ef wins over both.
 */
export function tunedEf(tuned: TunedEf, processEf: number, baselineEf: number): number {
  const scale = baselineEf > 0 ? processEf / baselineEf : 1;
  const scaled = Math.round(tuned.ef * scale);
  return Math.min(tuned.ef, Math.max(tuned.floorEf, scaled));
}
