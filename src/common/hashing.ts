import { createHash } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';

/** Fixed namespace for ragline's deterministic point ids. */
const POINT_NAMESPACE = 'a3c5e1d2-6f4b-5a87-9c1e-2b7d8f0e4c61';

export function sha256Hex(...parts: string[]): string {
  const hash = createHash('sha256');
  parts.forEach((part, i) => {
    if (i > 0) hash.update('\u0000');
    hash.update(part);
  });
  return hash.digest('hex');
}

/** UUIDv5 of (collection, document id, chunk index): a retried job never duplicates a point. */
export function pointId(collection: string, documentId: string, chunkIndex: number): string {
  return uuidv5(`${collection}\u0000${documentId}\u0000${chunkIndex}`, POINT_NAMESPACE);
}
