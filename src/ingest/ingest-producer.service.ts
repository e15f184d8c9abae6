import { Inject, Injectable, Optional } from '@nestjs/common';
import { JobsOptions } from 'bullmq';
import Redis from 'ioredis';
import { WriteAdmissions } from '../catalog/write-admission';
import { DocumentFormat } from '../catalog/catalog.types';
import { nfkcExpansionProblem } from '../parsing/nfkc-expansion';
import { ApiError } from '../common/api-error';
import { sha256Hex } from '../common/hashing';
import { metadataProblem, stableStringify } from '../common/metadata';
import { APP_CONFIG, AppConfig } from '../config/config';
import { removeFinishedJobs } from '../queues/finished-jobs';
import { retriedJobOptions } from '../queues/job-options';
import { DocumentBodies } from './document-bodies';
import { orUnavailable, redisUnavailable } from '../redis/redis-errors';
import { REDIS } from '../redis/redis.module';
import type { IngestDocumentBody as IngestDocument } from '../contract/documents';
import { URL_DOCUMENTS, UrlDocumentSink } from './ingest.types';
import { deleteJobId, upsertJobId } from './job-ids';
import { BodyRef, UpsertJobData } from '../queues/ingest-job';
import { JobQueues } from '../queues/job-queues';

export interface AcceptedJob {
  id: string;
  documentId: string;
}

function contentOf(doc: IngestDocument): { format: DocumentFormat; content: string } {
  if (doc.markdown !== undefined) return { format: 'markdown', content: doc.markdown };
  if (doc.html !== undefined) return { format: 'html', content: doc.html };
  return { format: 'text', content: doc.text ?? '' };
}

/** Validates and enqueues ingest and delete jobs (the API side of ingest). */
@Injectable()
export class IngestProducerService {
  constructor(
    private readonly queues: JobQueues,
    private readonly writeAdmissions: WriteAdmissions,
    private readonly bodies: DocumentBodies,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(URL_DOCUMENTS) private readonly urls?: UrlDocumentSink,
  ) {}

  /**
   * Refuses at once while either connection is down, so a submission is not half-made (its
   * desired state recorded but its job not added) by an outage that is already known.
   */
  private async assertConnected(): Promise<void> {
    const queueClient = (await this.queues.ingest.client) as unknown as Redis;
    for (const client of [this.redis, queueClient]) {
      if (client.status !== 'ready') {
        throw redisUnavailable('ingest queue', new Error(`connection is ${client.status}`));
      }
    }
  }

  jobOptions(): JobsOptions {
    return retriedJobOptions(this.config.ingest);
  }

  private checkLimits(documents: IngestDocument[]): void {
    const { maxDocumentsPerRequest, maxDocumentBytes, maxMetadataBytes } = this.config.limits;
    if (documents.length === 0)
      throw ApiError.badRequest('documents: must hold at least one document');
    if (documents.length > maxDocumentsPerRequest) {
      throw ApiError.tooLarge(
        `documents: ${documents.length} documents in one request; at most ${maxDocumentsPerRequest} are allowed`,
      );
    }
    const seen = new Map<string, number>();
    documents.forEach((doc, i) => {
      const earlier = seen.get(doc.id);
      if (earlier !== undefined) {
        throw ApiError.badRequest(
          `documents[${i}].id: '${doc.id}' repeats documents[${earlier}].id`,
        );
      }
      seen.set(doc.id, i);
      const content = doc.url ?? contentOf(doc).content;
      const bytes = Buffer.byteLength(content, 'utf8');
      if (bytes > maxDocumentBytes) {
        throw ApiError.tooLarge(
          `documents[${i}]: ${bytes} bytes of content; at most ${maxDocumentBytes} bytes per document`,
        );
      }
      const expansion = doc.url === undefined ? nfkcExpansionProblem(content) : undefined;
      if (expansion) throw ApiError.badRequest(`documents[${i}]: ${expansion}`);
      if (doc.metadata !== undefined) {
        const problem = metadataProblem(doc.metadata, `documents[${i}].metadata`);
        if (problem) throw ApiError.badRequest(problem);
        const metaBytes = Buffer.byteLength(JSON.stringify(doc.metadata), 'utf8');
        if (metaBytes > maxMetadataBytes) {
          throw ApiError.tooLarge(
            `documents[${i}].metadata: ${metaBytes} bytes; at most ${maxMetadataBytes} bytes`,
          );
        }
      }
    });
  }

  async ingest(collection: string, documents: IngestDocument[]): Promise<AcceptedJob[]> {
    this.checkLimits(documents);
    const byUrl = documents.filter((d) => d.url !== undefined);
    if (!byUrl.length) return this.ingestContent(collection, documents);
    const { urls } = this;
    if (!urls) throw ApiError.badRequest('url ingestion is not enabled');
    await this.assertConnected();
    const rest = documents.filter((d) => d.url === undefined);
    const accepted = new Map<string, AcceptedJob>();
    const fetched = await orUnavailable('sources queue', () =>
      urls.enqueue(
        collection,
        byUrl.map((d) => ({ id: d.id, url: d.url as string, metadata: d.metadata })),
      ),
    );
    for (const job of [
      ...fetched,
      ...(rest.length ? await this.ingestContent(collection, rest) : []),
    ])
      accepted.set(job.documentId, job);
    return documents.map((d) => accepted.get(d.id) as AcceptedJob);
  }

  private async ingestContent(
    collection: string,
    documents: IngestDocument[],
  ): Promise<AcceptedJob[]> {
    await this.assertConnected();
    const seqs = await orUnavailable('ingest queue', () =>
      this.writeAdmissions.nextSubmissions(collection, documents.length),
    );
    const now = Date.now();
    const large: Array<{ ref: BodyRef; content: string }> = [];
    const jobs = documents.map((doc, i) => {
      const { format, content } = contentOf(doc);
      const metadata = doc.metadata ?? {};
      const contentHash = sha256Hex(format, content, stableStringify(metadata));
      const jobId = upsertJobId(collection, doc.id, contentHash);
      const ref = this.bodies.referenceFor(jobId, content);
      if (ref) large.push({ ref, content });
      const data: UpsertJobData = {
        op: 'upsert',
        collection,
        documentId: doc.id,
        format,
        ...(ref ? { body: ref } : { content }),
        metadata,
        contentHash,
        target: `upsert:${contentHash}`,
        seq: seqs[i],
        enqueuedAt: now,
      };
      return { name: 'upsert', data, opts: { ...this.jobOptions(), jobId } };
    });
    // Accepted only once Redis has answered the add: the connection fails fast, so a reply
    // that never comes (Redis gone mid-request) is a 503, never a 202 for work not stored.
    // The documents' latest state is recorded after the add: a submission that fails before
    // its jobs exist must not supersede jobs already accepted (and if the record is what
    // fails, the worker records it; see IngestWorker).
    await orUnavailable('ingest queue', async () => {
      // A resubmission whose job is still kept as finished must run again (an older state may
      // have been applied since); jobs still waiting or active are left: that is the dedup.
      await removeFinishedJobs(
        this.queues.ingest,
        jobs.map((j) => j.opts.jobId),
      );
      // After the clear: a body stored before it could be removed by a finishing job of that id.
      await this.bodies.store(large);
      await this.queues.ingest.addBulk(jobs);
      await this.writeAdmissions.recordDesired(
        collection,
        new Map(
          jobs.map(({ data }, i) => [data.documentId, { seq: seqs[i], target: data.target }]),
        ),
      );
    });
    return jobs.map((j) => ({ id: j.opts.jobId, documentId: j.data.documentId }));
  }

  async delete(collection: string, documentId: string): Promise<AcceptedJob> {
    const target = `delete:${deleteJobId()}`;
    const id = target.slice('delete:'.length);
    await this.assertConnected();
    await orUnavailable('ingest queue', async () => {
      const [seq] = await this.writeAdmissions.nextSubmissions(collection, 1);
      await this.queues.ingest.add(
        'delete',
        { op: 'delete', collection, documentId, target, seq, enqueuedAt: Date.now() },
        { ...this.jobOptions(), jobId: id },
      );
      await this.writeAdmissions.recordDesired(
        collection,
        new Map([[documentId, { seq, target }]]),
      );
    });
    return { id, documentId };
  }

  async backlog(): Promise<number> {
    return orUnavailable('ingest queue', () => this.queues.ingest.getWaitingCount());
  }
}
