import { seededRandom } from '../../src/common/seeded-random';
import { FusionWeights, fuseScores } from '../../src/serving/score-fusion';
import { mean, ndcgAt } from './metrics';

/** One judged query's candidate documents with each side's scores, as the service answered. */
export interface QueryCandidates {
  dense: Map<string, number>;
  bm25: Map<string, number>;
  judged: Map<string, number>;
}

/** A way to make the dense side worse than the embedder really is, for one query. */
export interface Degradation {
  label: string;
  apply(dense: Map<string, number>, random: () => number, corpus: string[]): Map<string, number>;
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Noise of `times` the query's own spread of dense scores: same candidates, shuffled order. */
function noise(times: number): Degradation {
  return {
    label: `order noise ${times}x`,
    apply(dense, random) {
      const scores = [...dense.values()];
      const average = mean(scores);
      const spread = Math.sqrt(mean(scores.map((s) => (s - average) ** 2)));
      return new Map(
        [...dense].map(([id, score]) => [id, score + times * spread * gaussian(random)]),
      );
    },
  };
}

/** A share of the candidates swapped for random documents, which take over their scores. */
function replaced(share: number): Degradation {
  return {
    label: share === 1 ? 'random documents' : `${Math.round(share * 100)}% random documents`,
    apply(dense, random, corpus) {
      const out = new Map<string, number>();
      for (const [id, score] of dense) {
        let taken = id;
        if (random() < share) {
          do taken = corpus[Math.floor(random() * corpus.length)];
          while (out.has(taken) || (taken !== id && dense.has(taken)));
        }
        out.set(taken, score);
      }
      return out;
    },
  };
}

export const DEGRADATIONS: Degradation[] = [
  { label: 'as measured', apply: (dense) => dense },
  noise(1),
  noise(2),
  noise(4),
  replaced(0.75),
  replaced(1),
];

export interface RobustnessRow {
  label: string;
  dense: number;
  fused: number;
}

const ranking = (scores: Map<string, number>): string[] =>
  [...scores].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([id]) => id);

/**
 * nDCG@10 of the dense side and of its fusion with BM25 (the service's own fuseScores, at the
 * collection's weights) as the dense side is made worse, each a mean over `seeds` seeded runs:
 * how far a weaker embedder can fall before the default would lose to BM25.
 */
export function fusionRobustness(
  queries: QueryCandidates[],
  weights: FusionWeights,
  corpus: string[],
  seeds = 5,
): { bm25: number; rows: RobustnessRow[] } {
  const bm25 = mean(queries.map((q) => ndcgAt(ranking(q.bm25), q.judged, 10)));
  const rows = DEGRADATIONS.map((degradation) => {
    const runs = degradation.label === 'as measured' ? 1 : seeds;
    const dense: number[] = [];
    const fused: number[] = [];
    for (let seed = 1; seed <= runs; seed++) {
      const random = seededRandom(seed);
      for (const q of queries) {
        const worse = degradation.apply(q.dense, random, corpus);
        dense.push(ndcgAt(ranking(worse), q.judged, 10));
        fused.push(ndcgAt(ranking(fuseScores(worse, q.bm25, weights)), q.judged, 10));
      }
    }
    return { label: degradation.label, dense: mean(dense), fused: mean(fused) };
  });
  return { bm25, rows };
}
