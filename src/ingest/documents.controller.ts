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
import { ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/auth.guard';
import { CatalogService } from '../catalog/catalog.service';
import { ApiError } from '../common/api-error';
import { errorResponseSchema, openApiSchema, UNAVAILABLE_RESPONSE } from '../common/openapi';
import { parseOr400 } from '../common/validation';
import { APP_CONFIG, AppConfig } from '../config/config';
import { parseCollectionName } from '../collections/collections.controller';
import { CollectionsService } from '../collections/collections.service';
import { EmbedderRegistry } from '../embedding/embedder-registry';
import {
  DocumentListResponse,
  documentListResponseSchema,
  listDocumentsPage,
} from './document-list';
import { AcceptedJob, IngestProducerService } from './ingest-producer.service';
import { documentIdSchema, ingestBodySchema } from './ingest.schemas';

@ApiTags('documents')
@Controller('v1/collections/:name/documents')
export class DocumentsController {
  constructor(
    private readonly producer: IngestProducerService,
    private readonly collections: CollectionsService,
    private readonly catalog: CatalogService,
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
  @ApiBody({ schema: openApiSchema(ingestBodySchema) })
  @ApiResponse({ status: 202, description: '{ jobs: [{ id, documentId }] }' })
  @ApiResponse({ status: 400, schema: errorResponseSchema })
  @ApiResponse({ status: 413, schema: errorResponseSchema })
  @ApiResponse(UNAVAILABLE_RESPONSE)
  async ingest(
    @Param('name') name: string,
    @Body() body: unknown,
  ): Promise<{ jobs: AcceptedJob[] }> {
    const { documents } = parseOr400(ingestBodySchema, body);
    const collection = await this.requireWritable(name);
    return { jobs: await this.producer.ingest(collection, documents) };
  }

  @Delete(':id')
  @RequireScope('ingest')
  @HttpCode(202)
  @ApiOperation({ summary: 'Delete a document and all its chunks' })
  @ApiResponse({ status: 202, description: '{ jobs: [{ id, documentId }] }' })
  @ApiResponse(UNAVAILABLE_RESPONSE)
  async remove(
    @Param('name') name: string,
    @Param('id') id: string,
  ): Promise<{ jobs: AcceptedJob[] }> {
    const documentId = parseOr400(documentIdSchema, id, 'document id');
    const collection = await this.requireWritable(name);
    return { jobs: [await this.producer.delete(collection, documentId)] };
  }

  @Get()
  @RequireScope('ingest', 'search')
  @ApiOperation({ summary: "List a collection's documents, a page at a time, in id order" })
  @ApiQuery({ name: 'limit', required: false, description: 'documents per page, 1-1000 (100)' })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiResponse({ status: 200, schema: documentListResponseSchema })
  @ApiResponse({ status: 400, schema: errorResponseSchema })
  @ApiResponse({ status: 404, schema: errorResponseSchema })
  async list(
    @Param('name') name: string,
    @Query() query: Record<string, unknown>,
  ): Promise<DocumentListResponse> {
    const collection = parseCollectionName(name);
    await this.collections.require(collection);
    return listDocumentsPage(this.catalog, collection, query);
  }

  @Get(':id')
  @RequireScope('ingest', 'search')
  @ApiOperation({ summary: 'Describe a stored document' })
  async get(@Param('name') name: string, @Param('id') id: string) {
    const collection = parseCollectionName(name);
    const documentId = parseOr400(documentIdSchema, id, 'document id');
    await this.collections.require(collection);
    const record = await this.catalog.getDocument(collection, documentId);
    if (!record) throw ApiError.notFound(`document '${documentId}'`);
    return record;
  }
}
