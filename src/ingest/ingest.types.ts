import type { DocumentFormat } from '../catalog/catalog.types';

export const INGEST_QUEUE = 'ingest';

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
  format: DocumentFormat;
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

/** An upsert with its content at hand (the worker has read any referenced body). */
export type UpsertWork = Omit<UpsertJobData, 'content' | 'body'> & { content: string };

export interface DeleteJobData {
  op: 'delete';
  collection: string;
  documentId: string;
  target: string;
  seq?: number;
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

/**
 * Takes documents submitted with `url` (fetched and ingested by a sources worker; see
 * src/sources/url-documents.ts). Without one, `url` documents are refused.
 */
export interface UrlDocumentSink {
  enqueue(
    collection: string,
    documents: Array<{ id: string; url: string; metadata?: Record<string, unknown> }>,
  ): Promise<Array<{ id: string; documentId: string }>>;
}

export const URL_DOCUMENTS = Symbol('URL_DOCUMENTS');
