import type { SyncSkipped, SyncSummary } from '../contract/sources';
import type { IngestJobResult } from './ingest-job';

/** A sync of one source (a job of the sources queue). */
export interface SyncJobData {
  collection: string;
  sourceId: string;
  trigger: 'create' | 'manual' | 'schedule';
}

/** A document submitted with `url`: fetched, extracted and ingested by a sources worker. */
export interface UrlJobData {
  collection: string;
  documentId: string;
  url: string;
  metadata: Record<string, unknown>;
}

/** The result of a `url` document's job: an ingest result, and whether the page had changed. */
export type UrlJobResult = IngestJobResult & { url: string; notModified?: boolean };

/** The jobs of the sources queue: syncs and `url` documents. */
export type SourcesJobData = SyncJobData | UrlJobData;
export type SourcesJobResult = SyncSummary | SyncSkipped | UrlJobResult;
