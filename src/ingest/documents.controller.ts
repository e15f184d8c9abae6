import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/auth.guard';
import { CollectionNamePipe } from '../collections/collection-name.pipe';
import { ApiContract } from '../common/openapi';
import { parseOr400 } from '../common/validation';
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
import { DocumentsService } from './documents.service';

@ApiTags('documents')
@Controller('v1/collections/:name/documents')
export class DocumentsController {
  constructor(private readonly documents: DocumentsService) {}

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
  async ingest(
    @Param('name', CollectionNamePipe) collection: string,
    @Body() body: unknown,
  ): Promise<IngestResponse> {
    const { documents } = parseOr400(ingestBodySchema, body);
    return this.documents.ingest(collection, documents);
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
  async remove(
    @Param('name', CollectionNamePipe) collection: string,
    @Param('id') id: string,
  ): Promise<IngestResponse> {
    return this.documents.remove(collection, parseOr400(documentIdSchema, id, 'document id'));
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
    @Param('name', CollectionNamePipe) collection: string,
    @Query() query: Record<string, unknown>,
  ): Promise<DocumentPage> {
    return this.documents.list(collection, query);
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
  async get(
    @Param('name', CollectionNamePipe) collection: string,
    @Param('id') id: string,
  ): Promise<DocumentView> {
    return this.documents.get(collection, parseOr400(documentIdSchema, id, 'document id'));
  }
}
