import { LRUCache } from 'lru-cache';
import { SearchSpec } from '../queues/search-job';

interface Heat {
  spec: SearchSpec;
  score: number;
  at: number;
}

const HALF_LIFE_MS = 60_000;

/**
 * Tracks which searches are hot, per collection, with exponentially decaying counts, so the
 * head of the traffic can be re-run right after a write changes the collection's version.
 */
export class HotQueries {
  private readonly entries = new LRUCache<string, Heat>({ max: 5000 });

  record(key: string, spec: SearchSpec, now = Date.now()): void {
    const heat = this.entries.get(key);
    if (heat) {
      heat.score = heat.score * Math.pow(0.5, (now - heat.at) / HALF_LIFE_MS) + 1;
      heat.at = now;
    } else {
      this.entries.set(key, { spec, score: 1, at: now });
    }
  }

  top(collection: string, n: number, now = Date.now()): SearchSpec[] {
    const candidates: { spec: SearchSpec; score: number }[] = [];
    for (const heat of this.entries.values()) {
      if (heat.spec.collection !== collection) continue;
      candidates.push({
        spec: heat.spec,
        score: heat.score * Math.pow(0.5, (now - heat.at) / HALF_LIFE_MS),
      });
    }
    return candidates
      .sort((a, b) => b.score - a.score)
      .slice(0, n)
      .map((c) => c.spec);
  }
}
