import type { CollectionSpec } from '../vector-store.port';

/**
 * What the adapter remembers about a collection. It lives in the table's own Arrow schema
 * metadata, so it is written atomically with the table and every process reads the same.
 */
export interface CollectionMeta {
  spec: CollectionSpec;
  /** Default RRF weights for hybrid search in this collection. */
  hybridWeights: { dense: number; bm25: number };
  /** Table layout version, for future migrations. */
  layout: 1;
}

export const COLLECTION_META_KEY = 'ragline.collection';

const NAME_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,127}$/;

export class CollectionSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CollectionSpecError';
  }
}

/** Thrown when a collection exists with other settings than the ones asked for. */
export class CollectionConflictError extends Error {
  constructor(
    readonly collection: string,
    readonly differences: string[],
  ) {
    super(`collection '${collection}' exists with other settings: ${differences.join('; ')}`);
    this.name = 'CollectionConflictError';
  }
}

export function assertCollectionName(name: string): void {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new CollectionSpecError(`collection name must match ${NAME_PATTERN.source}`);
  }
}

export function validateSpec(spec: CollectionSpec): void {
  assertCollectionName(spec.name);
  const positiveInt = (value: unknown, max: number) =>
    typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= max;
  if (!positiveInt(spec.dimensions, 65536)) {
    throw new CollectionSpecError('dimensions must be an integer in 1..65536');
  }
  if (spec.distance !== 'cosine') throw new CollectionSpecError("distance must be 'cosine'");
  if (!positiveInt(spec.hnsw?.m, 512) || !positiveInt(spec.hnsw?.efConstruct, 4096)) {
    throw new CollectionSpecError('hnsw.m and hnsw.efConstruct must be positive integers');
  }
  if (spec.quantization !== 'none' && spec.quantization !== 'int8') {
    throw new CollectionSpecError("quantization must be 'none' or 'int8'");
  }
  if (typeof spec.hybrid !== 'boolean') throw new CollectionSpecError('hybrid must be a boolean');
}

export function validateWeights(weights: { dense: number; bm25: number }, what: string): void {
  const ok = (w: number) => typeof w === 'number' && Number.isFinite(w) && w >= 0;
  if (!ok(weights.dense) || !ok(weights.bm25) || weights.dense + weights.bm25 <= 0) {
    throw new CollectionSpecError(`${what} must be finite, >= 0 and not both 0`);
  }
}

/** Human-readable differences between a stored spec and a requested one. */
export function specDifferences(stored: CollectionSpec, wanted: CollectionSpec): string[] {
  const differences: string[] = [];
  const compare = (label: string, a: unknown, b: unknown) => {
    if (a !== b) differences.push(`${label} is ${String(a)}, asked ${String(b)}`);
  };
  compare('dimensions', stored.dimensions, wanted.dimensions);
  compare('distance', stored.distance, wanted.distance);
  compare('hnsw.m', stored.hnsw.m, wanted.hnsw.m);
  compare('hnsw.efConstruct', stored.hnsw.efConstruct, wanted.hnsw.efConstruct);
  compare('quantization', stored.quantization, wanted.quantization);
  compare('hybrid', stored.hybrid, wanted.hybrid);
  return differences;
}

export function encodeMeta(meta: CollectionMeta): Map<string, string> {
  const spec: CollectionSpec = {
    name: meta.spec.name,
    dimensions: meta.spec.dimensions,
    distance: meta.spec.distance,
    hnsw: { m: meta.spec.hnsw.m, efConstruct: meta.spec.hnsw.efConstruct },
    quantization: meta.spec.quantization,
    hybrid: meta.spec.hybrid,
  };
  return new Map([[COLLECTION_META_KEY, JSON.stringify({ ...meta, spec })]]);
}

/** Reads the meta back from schema metadata; null when the table was not made by ragline. */
export function decodeMeta(metadata: Map<string, string>): CollectionMeta | null {
  const raw = metadata.get(COLLECTION_META_KEY);
  if (raw === undefined) return null;
  const parsed: unknown = JSON.parse(raw);
  if (parsed === null || typeof parsed !== 'object') return null;
  const meta = parsed as CollectionMeta;
  validateSpec(meta.spec);
  validateWeights(meta.hybridWeights, 'hybridWeights');
  return meta;
}
