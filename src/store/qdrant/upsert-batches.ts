import type { Schemas } from '@qdrant/js-client-rest';

/** Qdrant refuses bodies over 32 MB by default; batches stay well under it. */
export const DEFAULT_UPSERT_BATCH_BYTES = 8 * 1024 * 1024;

/**
 * Bytes the widest JSON rendering of one float can take: doubles printed from float32 values
 * look like -0.012345678918063641 or -1.2345678901234567e-7 (≤ 23 characters) plus a comma.
 */
const BYTES_PER_FLOAT = 24;
const BYTES_PER_SPARSE_ENTRY = BYTES_PER_FLOAT + 11;
const POINT_OVERHEAD_BYTES = 128;

/**
 * An upper estimate of a point's JSON size without serialising its vectors (the payload is
 * serialised: its text dominates and its size is unpredictable).
 */
export function estimatePointBytes(point: Schemas['PointStruct']): number {
  let bytes = POINT_OVERHEAD_BYTES + Buffer.byteLength(JSON.stringify(point.payload ?? {}));
  const vectors = point.vector;
  if (vectors && typeof vectors === 'object' && !Array.isArray(vectors)) {
    for (const value of Object.values(vectors)) {
      if (Array.isArray(value)) bytes += value.length * BYTES_PER_FLOAT;
      else if (value && typeof value === 'object' && 'indices' in value) {
        const indices: unknown = value.indices;
        if (Array.isArray(indices)) bytes += indices.length * BYTES_PER_SPARSE_ENTRY;
      }
    }
  } else if (Array.isArray(vectors)) {
    bytes += vectors.length * BYTES_PER_FLOAT;
  }
  return bytes;
}

/**
 * Splits items into consecutive batches whose estimated sizes sum to at most maxBytes. An item
 * larger than maxBytes on its own travels alone (Qdrant's own limit is far higher).
 */
export function splitBySize<T>(
  items: readonly T[],
  sizeOf: (item: T) => number,
  maxBytes: number,
): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let currentBytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && currentBytes + size > maxBytes) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(item);
    currentBytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
