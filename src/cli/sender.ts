import { RaglineApiError } from '../client/errors';
import type { RaglineClient } from '../client/ragline-client';
import type { IngestDocument, JobRef } from '../client/types';

export interface RejectedDocument {
  documentId: string;
  reason: string;
}

export interface BatchOutcome {
  jobs: JobRef[];
  rejected: RejectedDocument[];
  /** HTTP requests made, splits included. */
  requests: number;
}

type Ingest = Pick<RaglineClient, 'ingest'>;

function reasonOf(err: RaglineApiError): string {
  const details = err.details === undefined ? '' : ` ${JSON.stringify(err.details)}`;
  return `${err.status} ${err.code}: ${err.message}${details}`;
}

/**
 * Sends one batch. When the server answers 413 (body too large), the batch is split in halves
 * and each half sent again, down to single documents; a single document refused with 413, or a
 * batch refused with 400 (invalid), is reported as rejected. Any other error (auth, unknown
 * collection, server down) concerns every batch alike and is thrown.
 */
export async function sendBatch(
  client: Ingest,
  collection: string,
  documents: IngestDocument[],
): Promise<BatchOutcome> {
  try {
    const { jobs } = await client.ingest(collection, documents);
    return { jobs, rejected: [], requests: 1 };
  } catch (err) {
    if (!(err instanceof RaglineApiError)) throw err;
    if (err.status === 413 && documents.length > 1) {
      const middle = Math.ceil(documents.length / 2);
      const first = await sendBatch(client, collection, documents.slice(0, middle));
      const second = await sendBatch(client, collection, documents.slice(middle));
      return {
        jobs: [...first.jobs, ...second.jobs],
        rejected: [...first.rejected, ...second.rejected],
        requests: 1 + first.requests + second.requests,
      };
    }
    if (err.status === 413 || err.status === 400) {
      const reason = reasonOf(err);
      return {
        jobs: [],
        rejected: documents.map((d) => ({ documentId: d.id, reason })),
        requests: 1,
      };
    }
    throw err;
  }
}
