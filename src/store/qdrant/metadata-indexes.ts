import type { StoredPoint } from '../vector-store.port';
import type { PayloadIndexType } from './qdrant-filter';

/**
 * Most `metadata.*` payload indexes one collection gets. Indexes are made at ingest time from
 * the metadata actually stored, never from a search filter (a search key could otherwise
 * create indexes without bound), and only this many: each costs memory on every Qdrant node.
 */
export const MAX_METADATA_INDEXES = 32;

function indexTypeOf(value: unknown): PayloadIndexType | null {
  const first = Array.isArray(value) ? value[0] : value;
  if (typeof first === 'string') return 'keyword';
  if (typeof first === 'boolean') return 'bool';
  if (typeof first === 'number' && Number.isFinite(first)) {
    return Number.isSafeInteger(first) ? 'integer' : 'float';
  }
  return null;
}

/**
 * The payload index each top-level metadata key of `points` would use (the first value seen
 * decides: strings keyword, integers integer, other numbers float, booleans bool; objects and
 * nulls get none), keys already in `indexed` left out, and no more than `room` of them.
 */
export function metadataIndexesFor(
  points: readonly StoredPoint[],
  indexed: ReadonlyMap<string, unknown>,
  room: number,
): Map<string, PayloadIndexType> {
  const wanted = new Map<string, PayloadIndexType>();
  for (const point of points) {
    for (const [key, value] of Object.entries(point.metadata ?? {})) {
      if (wanted.size >= room) return wanted;
      const field = `metadata.${key}`;
      if (indexed.has(field) || wanted.has(field)) continue;
      const type = indexTypeOf(value);
      if (type) wanted.set(field, type);
    }
  }
  return wanted;
}

/** How many `metadata.*` indexes a collection has. */
export function metadataIndexCount(indexed: ReadonlyMap<string, unknown>): number {
  let count = 0;
  for (const field of indexed.keys()) if (field.startsWith('metadata.')) count++;
  return count;
}
