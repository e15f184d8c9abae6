import { matchesFilter } from './fake-qdrant-filter';

/**
 * The Query API of the stand-in Qdrant, as Qdrant documents it, for the request forms the
 * adapter sends: nearest search on a named dense vector (cosine: vectors normalised at
 * insert, score = dot product), nearest search on a named sparse vector (score = Σ query value
 * × IDF × stored value over shared indices, IDF = ln(1 + (N − n + 0.5)/(n + 0.5)) as the `idf`
 * modifier defines it; only points sharing an index are returned), prefetches fused by
 * `fusion: 'rrf'` (Σ 1/(2 + rank), 0-based ranks), random samples (`sample: 'random'`),
 * filters, score_threshold, limit and `with_vector`.
 * Exact search only (no HNSW, no quantization). Test support only.
 */
type JsonObject = Record<string, unknown>;

export interface FakePoint {
  payload: JsonObject;
  vectors: Record<string, number[] | { indices: number[]; values: number[] }>;
}

interface Scored {
  id: string;
  score: number;
}

const RRF_K = 2;

export function normalise(vector: number[]): number[] {
  const norm = Math.sqrt(vector.reduce((s, x) => s + x * x, 0)) || 1;
  return vector.map((x) => Math.fround(x / norm));
}

export function runQuery(points: Map<string, FakePoint>, request: JsonObject): JsonObject {
  const scored = scoreQuery(points, request);
  const fields = request.with_payload;
  return {
    points: scored.map(({ id, score }) => {
      const point: JsonObject = {
        id,
        version: 1,
        score,
        payload: selectPayload(points.get(id)?.payload ?? {}, fields),
      };
      const vector = selectVectors(points.get(id)?.vectors ?? {}, request.with_vector);
      if (vector) point.vector = vector;
      return point;
    }),
  };
}

function scoreQuery(points: Map<string, FakePoint>, request: JsonObject): Scored[] {
  const limit = typeof request.limit === 'number' ? request.limit : 10;
  const filter = isObject(request.filter) ? request.filter : {};
  const threshold = typeof request.score_threshold === 'number' ? request.score_threshold : null;
  let results: Scored[];
  if (isObject(request.query) && request.query.sample === 'random') {
    // Random sample: every matching point in random order, score 0 (no query to score against).
    const matching = [...points].filter(([, p]) => matchesFilter(p.payload, filter));
    return shuffle(matching.map(([id]) => ({ id, score: 0 }))).slice(0, limit);
  }
  if (Array.isArray(request.prefetch)) {
    const lists = request.prefetch.map((p) => scoreQuery(points, isObject(p) ? p : {}));
    const query = isObject(request.query) ? request.query : {};
    if (query.fusion !== 'rrf') throw new Error('fake Qdrant: only rrf fusion is implemented');
    const fused = new Map<string, number>();
    for (const list of lists) {
      list.forEach(({ id }, rank) => fused.set(id, (fused.get(id) ?? 0) + 1 / (RRF_K + rank)));
    }
    results = [...fused]
      .map(([id, score]) => ({ id, score }))
      .filter(({ id }) => matchesFilter(points.get(id)?.payload ?? {}, filter));
  } else {
    const using = typeof request.using === 'string' ? request.using : '';
    const candidates = [...points].filter(
      ([, p]) => matchesFilter(p.payload, filter) && p.vectors[using],
    );
    if (Array.isArray(request.query)) {
      const q = normalise(request.query.map(Number));
      results = candidates.map(([id, p]) => ({ id, score: dot(q, p.vectors[using] as number[]) }));
    } else if (isObject(request.query) && Array.isArray(request.query.indices)) {
      const indices = request.query.indices.map(Number);
      const values = Array.isArray(request.query.values) ? request.query.values.map(Number) : [];
      const withVector = [...points.values()].filter((p) => p.vectors[using]);
      const idf = (index: number): number => {
        const n = withVector.filter((p) => sparseOf(p, using).indices.includes(index)).length;
        return Math.log(1 + (withVector.length - n + 0.5) / (n + 0.5));
      };
      results = [];
      for (const [id, p] of candidates) {
        const sparse = sparseOf(p, using);
        let score = 0;
        let shared = false;
        indices.forEach((index, i) => {
          const at = sparse.indices.indexOf(index);
          if (at >= 0) {
            shared = true;
            score += values[i] * idf(index) * sparse.values[at];
          }
        });
        if (shared) results.push({ id, score: Math.fround(score) });
      }
    } else {
      throw new Error('fake Qdrant: unsupported query form');
    }
  }
  return results
    .filter(({ score }) => threshold === null || score >= threshold)
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
    .slice(0, limit);
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** `with_vector`: true for all named vectors, a list for those names, absent or false for none. */
function selectVectors(vectors: FakePoint['vectors'], wanted: unknown): JsonObject | null {
  const names =
    wanted === true ? Object.keys(vectors) : Array.isArray(wanted) ? wanted.map(String) : [];
  const selected = names.filter((name) => name in vectors);
  return selected.length > 0
    ? Object.fromEntries(selected.map((name) => [name, vectors[name]]))
    : null;
}

function sparseOf(point: FakePoint, name: string): { indices: number[]; values: number[] } {
  const v = point.vectors[name];
  return v && !Array.isArray(v) ? v : { indices: [], values: [] };
}

function dot(a: number[], b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * (b[i] ?? 0);
  return Math.fround(s);
}

function selectPayload(payload: JsonObject, fields: unknown): JsonObject | null {
  if (fields === true) return payload;
  if (!Array.isArray(fields)) return null;
  return Object.fromEntries(
    fields
      .map(String)
      .filter((f) => f in payload)
      .map((f) => [f, payload[f]]),
  );
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
