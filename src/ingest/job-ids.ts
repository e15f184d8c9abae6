import { randomUUID } from 'node:crypto';
import { sha256Hex } from '../common/hashing';

/** Same collection, document and content: same job id, so a duplicate submission is one job. */
export function upsertJobId(collection: string, documentId: string, contentHash: string): string {
  return `ingest-${sha256Hex(collection, documentId, contentHash).slice(0, 40)}`;
}

export function deleteJobId(): string {
  return `delete-${randomUUID()}`;
}
