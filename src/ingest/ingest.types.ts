import type { UpsertJobData } from '../queues/ingest-job';

/** An upsert with its content at hand (the worker has read any referenced body). */
export type UpsertWork = Omit<UpsertJobData, 'content' | 'body'> & { content: string };

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
