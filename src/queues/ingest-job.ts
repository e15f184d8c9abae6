import type { DocumentFormat } from '../contract/documents';

/** Where a large document's body is kept (see DocumentBodies), with a preview for operators. */
export interface BodyRef {
  key: string;
  bytes: number;
  preview: string;
}

export interface UpsertJobData {
  op: 'upsert';
  collection: string;
  documentId: string;
  /** `url` documents are fetched first (sources queue) and come here with what was extracted. */
  format: Exclude<DocumentFormat, 'url'>;
  /** The document's content, inline when small; large ones have `body` instead. */
  content?: string;
  body?: BodyRef;
  metadata: Record<string, unknown>;
  contentHash: string;
  /** What the catalog's "desired" entry must say for this job to still be the latest. */
  target: string;
  /** The submission's number (see WriteAdmissions.nextSubmissions); absent on older jobs. */
  seq?: number;
  enqueuedAt: number;
}

export interface DeleteJobData {
  op: 'delete';
  collection: string;
  documentId: string;
  target: string;
  seq?: number;
  enqueuedAt: number;
}

/** A job of the ingest queue. */
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
