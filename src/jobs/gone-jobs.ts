import { Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { publicText } from '../common/public-text';
import { CollectionRecords } from '../catalog/collection-records';
import { DocumentRecords } from '../catalog/document-records';
import { JobOutcome, JobOutcomes } from '../catalog/job-outcomes';
import { WITHHELD_FAILURE } from './job-view';

/** A document as it is now, beside the outcome of a job that wrote it. */
export interface DocumentNow {
  collection: string;
  id: string;
  /** `stored`: in the collection now; `absent`: not (deleted, or never stored); `collection_missing`. */
  state: 'stored' | 'absent' | 'collection_missing';
  chunks?: number;
  contentHash?: string;
  updatedAt?: string;
}

/** A job BullMQ no longer holds, as its outcome record tells it. */
export interface GoneJobView extends Omit<JobOutcome, 'failedReason'> {
  gone: true;
  progress: 100;
  failedReason?: string;
  document?: DocumentNow;
}

/** Jobs that finished and were removed after their retention: 410 with what is known of them. */
@Injectable()
export class GoneJobs {
  constructor(
    private readonly outcomes: JobOutcomes,
    private readonly collectionRecords: CollectionRecords,
    private readonly documentRecords: DocumentRecords,
  ) {}

  async view(id: string, { internals }: { internals: boolean }): Promise<GoneJobView | null> {
    const outcome = await this.outcomes.read(id);
    if (!outcome) return null;
    const { failedReason, ...rest } = outcome;
    return {
      ...rest,
      gone: true,
      progress: 100,
      failedReason: failedReason
        ? internals
          ? failedReason
          : publicText(failedReason, WITHHELD_FAILURE)
        : undefined,
      document: await this.documentNow(outcome),
    };
  }

  /** The 410 answer for a job that is gone, or null if no job ever had this id (as far as known). */
  async goneError(id: string, options: { internals: boolean }): Promise<ApiError | null> {
    const job = await this.view(id, options);
    if (!job) return null;
    return new ApiError(
      410,
      'gone',
      `job '${id}' ${job.state} at ${job.finishedAt} and has since been removed (retention); details hold its outcome and the document's current state`,
      { job, document: job.document ?? null },
    );
  }

  private async documentNow(outcome: JobOutcome): Promise<DocumentNow | undefined> {
    const { collection, documentId } = outcome;
    if (!collection || !documentId) return undefined;
    if (!(await this.collectionRecords.getCollection(collection))) {
      return { collection, id: documentId, state: 'collection_missing' };
    }
    const record = await this.documentRecords.getDocument(collection, documentId);
    if (!record) return { collection, id: documentId, state: 'absent' };
    return {
      collection,
      id: documentId,
      state: 'stored',
      chunks: record.chunks,
      contentHash: record.contentHash,
      updatedAt: record.updatedAt,
    };
  }
}
