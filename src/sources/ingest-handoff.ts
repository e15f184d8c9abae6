import { Injectable } from '@nestjs/common';
import { Job } from 'bullmq';
import { DocumentRecords } from '../catalog/document-records';
import type { DocumentFormat } from '../catalog/catalog.types';
import { IngestProducerService } from '../ingest/ingest-producer.service';
import type { SyncPipeline } from './source-sync';
import type { PageProblem } from './sources.types';
import { IngestJobData, IngestJobResult } from '../queues/ingest-job';
import { JobQueues } from '../queues/job-queues';

const POLL_MS = 250;

/** Hands fetched pages to the existing ingest pipeline (the same jobs as POST .../documents). */
@Injectable()
export class IngestHandoff implements SyncPipeline {
  constructor(
    private readonly producer: IngestProducerService,
    private readonly documentRecords: DocumentRecords,
    private readonly queues: JobQueues,
  ) {}

  async submit(
    collection: string,
    doc: { id: string; format: DocumentFormat; content: string; metadata: Record<string, unknown> },
  ): Promise<string> {
    const [job] = await this.producer.ingest(collection, [
      { id: doc.id, [doc.format]: doc.content, metadata: doc.metadata },
    ]);
    return job.id;
  }

  async isStored(collection: string, documentId: string): Promise<boolean> {
    return (await this.documentRecords.getDocument(collection, documentId)) !== null;
  }

  async remove(collection: string, documentId: string): Promise<string> {
    return (await this.producer.delete(collection, documentId)).id;
  }

  /** Polls the jobs until each has completed or failed for good (or was removed). */
  async wait(jobIds: string[], onPoll?: (pending: number) => void) {
    const totals = { added: 0, updated: 0, skipped: 0, deleted: 0, failed: [] as PageProblem[] };
    let pending = [...new Set(jobIds)];
    while (pending.length) {
      const still: string[] = [];
      for (const id of pending) {
        const job = await Job.fromId<IngestJobData, IngestJobResult>(this.queues.ingest, id);
        if (!job) continue;
        const state = await job.getState();
        if (state === 'completed') {
          const r = job.returnvalue;
          totals.added += r?.chunksAdded ?? 0;
          totals.updated += r?.chunksUpdated ?? 0;
          totals.skipped += r?.chunksSkipped ?? 0;
          totals.deleted += r?.chunksDeleted ?? 0;
        } else if (state === 'failed') {
          totals.failed.push({
            url: job.data.documentId,
            reason: `ingest failed: ${job.failedReason}`,
          });
        } else {
          still.push(id);
        }
      }
      pending = still;
      onPoll?.(pending.length);
      if (pending.length) await new Promise((r) => setTimeout(r, POLL_MS));
    }
    return totals;
  }
}
