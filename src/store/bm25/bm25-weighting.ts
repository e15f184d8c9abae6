import { termId } from './term-hash';
import { tokenize } from './tokenizer';

/**
 * BM25 term-frequency saturation parameters. IDF is not here: it needs collection-wide
 * document frequencies, which the store computes (Qdrant's `idf` modifier on sparse vectors).
 */
export interface Bm25Params {
  /** Saturation: how fast repeated occurrences stop adding weight. */
  k1: number;
  /** Length normalisation strength (0 = none, 1 = full). */
  b: number;
  /**
   * The average document length (in terms, after stop words) that lengths are normalised
   * against. A fixed figure rather than the live collection average, so a chunk's weights
   * never depend on what else was stored before it and never need recomputing.
   */
  avgDocLength: number;
}

/**
 * k1 0.9, b 0.4: the values of the shared BM25 baselines (CISI, Cranfield). avgDocLength 60:
 * about what a chunk sized for the default embedder (under ~128 sub-word tokens, ~100 words)
 * keeps after stop-word removal.
 */
export const DEFAULT_BM25_PARAMS: Readonly<Bm25Params> = { k1: 0.9, b: 0.4, avgDocLength: 60 };

/** Term id -> how often it occurs. Distinct terms whose ids collide are counted together. */
export function termIdFrequencies(terms: readonly string[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const term of terms) {
    const id = termId(term);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/**
 * Document side: term id -> tf·(k1+1) / (tf + k1·(1 − b + b·dl/avgdl)), dl being the number of
 * terms in this text. Multiplied by the IDF at query time this is the BM25 term score.
 */
export function bm25DocumentWeights(
  text: string,
  params: Bm25Params = DEFAULT_BM25_PARAMS,
): Map<number, number> {
  const terms = tokenize(text);
  const lengthNorm = 1 - params.b + (params.b * terms.length) / params.avgDocLength;
  const weights = new Map<number, number>();
  for (const [id, tf] of termIdFrequencies(terms)) {
    weights.set(id, (tf * (params.k1 + 1)) / (tf + params.k1 * lengthNorm));
  }
  return weights;
}

/**
 * Query side: term id -> occurrences in the query (classic BM25 sums a repeated query term
 * once per occurrence). Empty when the query has no searchable terms (only stop words).
 */
export function bm25QueryWeights(text: string): Map<number, number> {
  return termIdFrequencies(tokenize(text));
}
