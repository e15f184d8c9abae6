import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/auth.guard';
import { DocumentRecords } from '../catalog/document-records';
import { ApiError } from '../common/api-error';
import { ApiContract } from '../common/openapi';
import { parseOr400 } from '../common/validation';
import { APP_CONFIG, AppConfig } from '../config/config';
import { parseCollectionName } from '../collections/collections.controller';
import { CollectionsService } from '../collections/collections.service';
import {
  documentIdSchema,
  DocumentPage,
  documentListSchema,
  DocumentView,
  documentViewSchema,
  ingestBodySchema,
  IngestResponse,
  jobsAcceptedSchema,
} from '../contract/documents';
import { EmbedderRegistry } from '../embedding/embedder-registry';
import { listDocumentsPage } from './document-list';
import { IngestProducerService } from './ingest-producer.service';

@ApiTags('documents')
@Controller('v1/collections/:name/documents')
export class DocumentsController {
  constructor(
    private readonly producer: IngestProducerService,
    private readonly collections: CollectionsService,
    private readonly documentRecords: DocumentRecords,
    private readonly embedders: EmbedderRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private async requireWritable(name: string): Promise<string> {
    const collection = parseCollectionName(name);
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
    return collection;
  }

  @Post()
  @RequireScope('ingest')
  @HttpCode(202)
  @ApiOperation({ summary: 'Ingest documents (one job per document)' })
  @ApiContract({
    body: ingestBodySchema,
    responses: { 202: jobsAcceptedSchema },
    descriptions: { 202: 'one job per document, in the order sent' },
    errors: {
      400: 'invalid body (the reason names the document and field)',
      404: 'no such collection',
      409: "the collection's embedder is not configured here",
      413: 'too large: the body, a document or the batch',
      429: 'rate limited, or the ingest backlog is full: retry after the Retry-After header',
    },
  })
  async ingest(@Param('name') name: string, @Body() body: unknown): Promise<IngestResponse> {
    const { documents } = parseOr400(ingestBodySchema, body);
    const collection = await this.requireWritable(name);
    return { jobs: await this.producer.ingest(collection, documents) };
  }

  @Delete(':id')
  @RequireScope('ingest')
  @HttpCode(202)
  @ApiOperation({ summary: 'Delete a document and all its chunks' })
  @ApiContract({
    responses: { 202: jobsAcceptedSchema },
    descriptions: { 202: 'the delete job' },
    errors: {
      400: 'invalid collection name or document id',
      404: 'no such collection',
      409: "the collection's embedder is not configured here",
      429: 'rate limited, or the ingest backlog is full: retry after the Retry-After header',
    },
  })
  async remove(@Param('name') name: string, @Param('id') id: string): Promise<IngestResponse> {
    const documentId = parseOr400(documentIdSchema, id, 'document id');
    const collection = await this.requireWritable(name);
    return { jobs: [await this.producer.delete(collection, documentId)] };
  }

  @Get()
  @RequireScope('ingest', 'search')
  @ApiOperation({ summary: "List a collection's documents, a page at a time, in id order" })
  @ApiQuery({ name: 'limit', required: false, description: 'documents per page, 1-1000 (100)' })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiContract({
    responses: { 200: documentListSchema },
    errors: { 400: 'invalid collection name, limit or cursor', 404: 'no such collection' },
  })
  async list(
    @Param('name') name: string,
    @Query() query: Record<string, unknown>,
  ): Promise<DocumentPage> {
    const collection = parseCollectionName(name);
    await this.collections.require(collection);
    return listDocumentsPage(this.documentRecords, collection, query);
  }

  @Get(':id')
  @RequireScope('ingest', 'search')
  @ApiOperation({ summary: 'Describe a stored document' })
  @ApiContract({
    responses: { 200: documentViewSchema },
    errors: {
      400: 'invalid collection name or document id',
      404: 'no such collection or document',
    },
  })
  async get(@Param('name') name: string, @Param('id') id: string): Promise<DocumentView> {
    const collection = parseCollectionName(name);
    const documentId = parseOr400(documentIdSchema, id, 'document id');
    await this.collections.require(collection);
    const record = await this.documentRecords.getDocument(collection, documentId);
    if (!record) throw ApiError.notFound(`document '${documentId}'`);
    return record;
  }
}
