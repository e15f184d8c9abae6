import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { RequireScope } from '../auth/auth.guard';
import { parseCollectionName } from '../collections/collections.controller';
import { errorResponseSchema, openApiSchema, UNAVAILABLE_RESPONSE } from '../common/openapi';
import { parseOr400 } from '../common/validation';
import type { AcceptedJob } from '../ingest/ingest-producer.service';
import { createSourceSchema, deleteSourceQuerySchema } from './sources.schemas';
import { SourcesService, SyncStarted } from './sources.service';
import type { SourceRecord } from './sources.types';

const sourceIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}\.[0-9a-f]{12}$/, 'is not a source id');

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
  @ApiBody({ schema: openApiSchema(createSourceSchema) })
  @ApiResponse({ status: 202, description: '{ source, job: { id, queue }, alreadyRunning }' })
  @ApiResponse({ status: 400, schema: errorResponseSchema })
  @ApiResponse({ status: 404, description: 'no such collection', schema: errorResponseSchema })
  @ApiResponse(UNAVAILABLE_RESPONSE)
  async create(
    @Param('name') name: string,
    @Body() body: unknown,
  ): Promise<{ source: SourceRecord } & SyncStarted> {
    const collection = parseCollectionName(name);
    return this.sources.create(collection, parseOr400(createSourceSchema, body));
  }

  @Get()
  @RequireScope('ingest')
  @ApiOperation({ summary: 'The collection`s sources, each with its last sync' })
  @ApiResponse({ status: 200, description: '{ sources: [...] }' })
  async list(@Param('name') name: string): Promise<{ sources: SourceRecord[] }> {
    return { sources: await this.sources.list(parseCollectionName(name)) };
  }

  @Get(':id')
  @RequireScope('ingest')
  @ApiOperation({
    summary: 'A source and its last (or running) sync',
    description:
      'lastSync counts pages discovered, fetched, unchanged, added, updated, deleted, skipped and ' +
      'failed, with the reasons of the first failures and skips.',
  })
  @ApiResponse({ status: 404, schema: errorResponseSchema })
  async get(@Param('name') name: string, @Param('id') id: string): Promise<SourceRecord> {
    return this.sources.get(parseCollectionName(name), parseOr400(sourceIdSchema, id, 'source id'));
  }

  @Post(':id/sync')
  @HttpCode(202)
  @RequireScope('ingest')
  @ApiOperation({ summary: 'Sync now (returns the sync already waiting or running, if any)' })
  @ApiResponse({ status: 202, description: '{ job: { id, queue }, alreadyRunning }' })
  @ApiResponse({ status: 404, schema: errorResponseSchema })
  async sync(@Param('name') name: string, @Param('id') id: string): Promise<SyncStarted> {
    return this.sources.sync(
      parseCollectionName(name),
      parseOr400(sourceIdSchema, id, 'source id'),
    );
  }

  @Delete(':id')
  @HttpCode(202)
  @RequireScope('ingest')
  @ApiOperation({
    summary: 'Remove a source and its schedule; documents=delete also removes its documents',
  })
  @ApiQuery({ name: 'documents', required: false, enum: ['keep', 'delete'] })
  @ApiResponse({ status: 202, description: '{ jobs: [{ id, documentId }] } (the delete jobs)' })
  @ApiResponse({ status: 404, schema: errorResponseSchema })
  async remove(
    @Param('name') name: string,
    @Param('id') id: string,
    @Query() query: unknown,
  ): Promise<{ jobs: AcceptedJob[] }> {
    const { documents } = parseOr400(deleteSourceQuerySchema, query ?? {}, 'query');
    return this.sources.remove(
      parseCollectionName(name),
      parseOr400(sourceIdSchema, id, 'source id'),
      documents,
    );
  }
}
