import type { DocumentFormat } from '../catalog/catalog.types';

export const INGEST_QUEUE = 'ingest';

export interface UpsertJobData {
  op: 'upsert';
  collection: string;
  documentId: string;
  format: DocumentFormat;
  content: string;
  metadata: Record<string, unknown>;
  contentHash: string;
  /** What the catalog's "desired" entry must say for this job to still be the latest. */
  target: string;
  enqueuedAt: number;
}

export interface DeleteJobData {
  op: 'delete';
  collection: string;
  documentId: string;
  target: string;
  enqueuedAt: number;
}

export type IngestJobData = UpsertJobData | DeleteJobData;

export interface IngestJobResult {
  documentId: string;
  chunksAdded: number;
  chunksUpdated: number;
  chunksSkipped: number;
  chunksDeleted: number;
  /** True when a later submission for the same document replaced this one before it ran. */
  superseded?: boolean;
  timings: Record<string, number>;
}
