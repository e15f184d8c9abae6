import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/auth.guard';
import { CollectionNamePipe } from '../collections/collection-name.pipe';
import { ApiContract } from '../common/openapi';
import { parseOr400 } from '../common/validation';
import type { IngestResponse } from '../contract/documents';
import {
  createSourceSchema,
  deleteSourceQuerySchema,
  SourceCreated,
  sourceCreatedSchema,
  SourceList,
  sourceListSchema,
  SourceRecord,
  sourceRecordSchema,
  sourceRemovedSchema,
  SyncStarted,
  syncStartedSchema,
} from '../contract/sources';
import { SourceIdPipe } from './source-id.pipe';
import { SourcesService } from './sources.service';

@ApiTags('sources')
@Controller('v1/collections/:name/sources')
export class SourcesController {
  constructor(private readonly sources: SourcesService) {}

  @Post()
  @HttpCode(202)
  @RequireScope('ingest')
  @ApiOperation({
    summary: 'Keep the collection in sync with a documentation site (sitemap, crawl or URL list)',
    description:
      'Stores the source and starts its first sync (a job on the sources queue: GET /v1/jobs/:id). ' +
      'Pages are fetched safely (private, loopback, link-local and metadata addresses refused ' +
      'unless in RAGLINE_FETCH_ALLOW), honouring robots.txt, and ingested with the canonical URL ' +
      'as the document id. With a schedule (cron, or an interval such as 6h) it syncs again on its own.',
  })
  @ApiContract({
    body: createSourceSchema,
    responses: { 202: sourceCreatedSchema },
    descriptions: { 202: 'the source and its first sync job' },
    errors: { 400: 'invalid body or collection name', 404: 'no such collection' },
  })
  async create(
    @Param('name', CollectionNamePipe) collection: string,
    @Body() body: unknown,
  ): Promise<SourceCreated> {
    return this.sources.create(collection, parseOr400(createSourceSchema, body));
  }

  @Get()
  @RequireScope('ingest')
  @ApiOperation({ summary: 'The collection`s sources, each with its last sync' })
  @ApiContract({
    responses: { 200: sourceListSchema },
    errors: { 400: 'invalid collection name' },
  })
  async list(@Param('name', CollectionNamePipe) collection: string): Promise<SourceList> {
    return { sources: await this.sources.list(collection) };
  }

  @Get(':id')
  @RequireScope('ingest')
  @ApiOperation({
    summary: 'A source and its last (or running) sync',
    description:
      'lastSync counts pages discovered, fetched, unchanged, added, updated, deleted, skipped and ' +
      'failed, with the reasons of the first failures and skips.',
  })
  @ApiContract({
    responses: { 200: sourceRecordSchema },
    errors: { 400: 'invalid collection name or source id', 404: 'no such source' },
  })
  async get(
    @Param('name', CollectionNamePipe) collection: string,
    @Param('id', SourceIdPipe) id: string,
  ): Promise<SourceRecord> {
    return this.sources.get(collection, id);
  }

  @Post(':id/sync')
  @HttpCode(202)
  @RequireScope('ingest')
  @ApiOperation({ summary: 'Sync now (returns the sync already waiting or running, if any)' })
  @ApiContract({
    responses: { 202: syncStartedSchema },
    descriptions: { 202: 'the sync job' },
    errors: { 400: 'invalid collection name or source id', 404: 'no such source' },
  })
  async sync(
    @Param('name', CollectionNamePipe) collection: string,
    @Param('id', SourceIdPipe) id: string,
  ): Promise<SyncStarted> {
    return this.sources.sync(collection, id);
  }

  @Delete(':id')
  @HttpCode(202)
  @RequireScope('ingest')
  @ApiOperation({
    summary: 'Remove a source and its schedule; documents=delete also removes its documents',
  })
  @ApiQuery({ name: 'documents', required: false, enum: ['keep', 'delete'] })
  @ApiContract({
    responses: { 202: sourceRemovedSchema },
    descriptions: { 202: "the delete jobs of the source's documents (documents=delete)" },
    errors: { 400: 'invalid collection name, source id or query', 404: 'no such source' },
  })
  async remove(
    @Param('name', CollectionNamePipe) collection: string,
    @Param('id', SourceIdPipe) id: string,
    @Query() query: unknown,
  ): Promise<IngestResponse> {
    const { documents } = parseOr400(deleteSourceQuerySchema, query ?? {}, 'query');
    return this.sources.remove(collection, id, documents);
  }
}
