import { Inject, Injectable } from '@nestjs/common';
import { DocumentRecords } from '../catalog/document-records';
import { CollectionsService } from '../collections/collections.service';
import { ApiError } from '../common/api-error';
import { APP_CONFIG, AppConfig } from '../config/config';
import type {
  DocumentPage,
  DocumentView,
  IngestDocumentBody,
  IngestResponse,
} from '../contract/documents';
import { EmbedderRegistry } from '../embedding/embedder-registry';
import { listDocumentsPage } from './document-list';
import { IngestProducerService } from './ingest-producer.service';

/** A collection's documents as the API sees them: submitted as jobs, read from the catalog. */
@Injectable()
export class DocumentsService {
  constructor(
    private readonly producer: IngestProducerService,
    private readonly collections: CollectionsService,
    private readonly documentRecords: DocumentRecords,
    private readonly embedders: EmbedderRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** One job per document, in the order sent. */
  async ingest(collection: string, documents: IngestDocumentBody[]): Promise<IngestResponse> {
    await this.requireWritable(collection);
    return { jobs: await this.producer.ingest(collection, documents) };
  }

  async remove(collection: string, documentId: string): Promise<IngestResponse> {
    await this.requireWritable(collection);
    return { jobs: [await this.producer.delete(collection, documentId)] };
  }

  async list(collection: string, query: Record<string, unknown>): Promise<DocumentPage> {
    await this.collections.require(collection);
    return listDocumentsPage(this.documentRecords, collection, query);
  }

  async get(collection: string, documentId: string): Promise<DocumentView> {
    await this.collections.require(collection);
    const record = await this.documentRecords.getDocument(collection, documentId);
    if (!record) throw ApiError.notFound(`document '${documentId}'`);
    return record;
  }

  /** 404 without the collection, 409 without its embedder here, 429 while the backlog is full. */
  private async requireWritable(collection: string): Promise<void> {
    const record = await this.collections.require(collection);
    if (!this.embedders.describe(record.embedder)) {
      throw ApiError.conflict(
        `collection '${collection}' was built with embedder '${record.embedder}', which is not configured here`,
      );
    }
    const backlog = await this.producer.backlog();
    if (backlog >= this.config.ingest.highWater) {
      throw new ApiError(
        429,
        'backlog_full',
        `the ingest backlog holds ${backlog} jobs (limit ${this.config.ingest.highWater}); retry later`,
        undefined,
        { 'retry-after': '10' },
      );
    }
  }
}
