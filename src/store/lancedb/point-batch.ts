import type { StoredPoint } from '../vector-store.port';

const INT32_MAX = 2 ** 31 - 1;

export class PointValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PointValidationError';
  }
}

/**
 * Checks a batch before it reaches LanceDB and keeps the last copy of a repeated id (a
 * merge-insert whose source repeats a key would insert both copies).
 */
export function preparePoints(points: readonly StoredPoint[], dimensions: number): StoredPoint[] {
  const byId = new Map<string, StoredPoint>();
  points.forEach((point, i) => {
    const where = `points[${i}]`;
    if (typeof point.id !== 'string' || point.id.length === 0) {
      throw new PointValidationError(`${where}.id must be a non-empty string`);
    }
    if (!(point.vector instanceof Float32Array) || point.vector.length !== dimensions) {
      throw new PointValidationError(`${where}.vector must be a Float32Array of ${dimensions}`);
    }
    for (const x of point.vector) {
      if (!Number.isFinite(x))
        throw new PointValidationError(`${where}.vector has a non-finite value`);
    }
    if (typeof point.documentId !== 'string') {
      throw new PointValidationError(`${where}.documentId must be a string`);
    }
    for (const field of ['chunkIndex', 'start', 'end'] as const) {
      const value = point[field];
      if (!Number.isInteger(value) || value < 0 || value > INT32_MAX) {
        throw new PointValidationError(`${where}.${field} must be an integer in 0..${INT32_MAX}`);
      }
    }
    if (typeof point.text !== 'string' || typeof point.contentHash !== 'string') {
      throw new PointValidationError(`${where}.text and contentHash must be strings`);
    }
    if (!Array.isArray(point.headingPath)) {
      throw new PointValidationError(`${where}.headingPath must be an array of strings`);
    }
    if (
      point.metadata === null ||
      typeof point.metadata !== 'object' ||
      Array.isArray(point.metadata)
    ) {
      throw new PointValidationError(`${where}.metadata must be an object`);
    }
    byId.delete(point.id);
    byId.set(point.id, point);
  });
  return [...byId.values()];
}
