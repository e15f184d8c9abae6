import type { TuneRecommendation, TuneRow, TuneVariant } from '../contract';

const VARIANT_LABELS: Record<TuneVariant, string> = {
  none: 'float32 (no quantization)',
  rescore: 'int8 re-ranked on float32',
  raw: 'int8 without re-ranking',
  ignore: 'float32 originals only',
};

export function variantLabel(variant: TuneVariant): string {
  return VARIANT_LABELS[variant];
}

function rowsOf(rows: readonly TuneRow[], variant: TuneVariant): TuneRow[] {
  return rows.filter((row) => row.variant === variant).sort((a, b) => a.ef - b.ef);
}

/**
 * The smallest measured ef of the searches' own variant whose mean recall@10 reaches `target`,
 * and below it the smallest whose recall reaches `floor` (the optimizer's room under load).
 * Null when no measured ef reaches the target.
 */
export function recommend(
  rows: readonly TuneRow[],
  variant: TuneVariant,
  target: number,
  floor: number,
): TuneRecommendation | null {
  const own = rowsOf(rows, variant);
  const chosen = own.find((row) => row.recall >= target);
  if (!chosen) return null;
  // Recall is not strictly monotonic in ef on a sample; never let the floor exceed the choice.
  const floorRow = own.find((row) => row.ef <= chosen.ef && row.recall >= floor) ?? chosen;
  return {
    ef: chosen.ef,
    recall: chosen.recall,
    p50Ms: chosen.p50Ms,
    p95Ms: chosen.p95Ms,
    floorEf: floorRow.ef,
    floorRecall: floorRow.recall,
  };
}

/** One line per other variant: where it reaches the target, and at what latency. */
export function variantNotes(
  rows: readonly TuneRow[],
  searchVariant: TuneVariant,
  target: number,
): string[] {
  const variants = [...new Set(rows.map((row) => row.variant))].filter((v) => v !== searchVariant);
  return variants.map((variant) => {
    const own = rowsOf(rows, variant);
    const reaching = own.find((row) => row.recall >= target);
    if (reaching) {
      return (
        `${variant} (${variantLabel(variant)}) reaches ${target} at ef ${reaching.ef}: ` +
        `recall ${reaching.recall.toFixed(4)}, p50 ${reaching.p50Ms} ms (for comparison; searches use ${searchVariant})`
      );
    }
    const best = own.reduce((a, b) => (b.recall > a.recall ? b : a), own[0]);
    return (
      `${variant} (${variantLabel(variant)}) never reaches ${target}: ` +
      `best ${best.recall.toFixed(4)} at ef ${best.ef}`
    );
  });
}
