import { Body, Controller, Delete, Get, HttpCode, Param, Put, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequireScope } from '../auth/auth.guard';
import { ApiContract } from '../common/openapi';
import { parseOr400 } from '../common/validation';
import {
  CollectionInfo,
  CollectionList,
  collectionListSchema,
  collectionViewSchema,
  createCollectionSchema,
} from '../contract/collections';
import { CollectionNamePipe } from './collection-name.pipe';
import { CollectionsService } from './collections.service';

@ApiTags('collections')
@Controller('v1/collections')
export class CollectionsController {
  constructor(private readonly collections: CollectionsService) {}

  @Put(':name')
  @RequireScope('ingest')
  @ApiOperation({
    summary: 'Create a collection (201), or confirm one with the same settings (200)',
  })
  @ApiContract({
    body: createCollectionSchema,
    bodyOptional: true,
    responses: { 200: collectionViewSchema, 201: collectionViewSchema },
    descriptions: { 200: 'it existed with the same settings', 201: 'created' },
    errors: { 400: 'invalid name or settings', 409: 'exists with other settings' },
  })
  async create(
    @Param('name', CollectionNamePipe) collection: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CollectionInfo> {
    const settings = parseOr400(createCollectionSchema, body ?? {});
    const { created, view } = await this.collections.create(collection, settings);
    reply.status(created ? 201 : 200);
    return view;
  }

  @Get()
  @RequireScope('ingest', 'search')
  @ApiOperation({ summary: 'List collections' })
  @ApiContract({ responses: { 200: collectionListSchema } })
  async list(): Promise<CollectionList> {
    return { collections: await this.collections.list() };
  }

  @Get(':name')
  @RequireScope('ingest', 'search')
  @ApiOperation({ summary: 'Describe a collection' })
  @ApiContract({
    responses: { 200: collectionViewSchema },
    errors: { 400: 'invalid name', 404: 'no such collection' },
  })
  async get(@Param('name', CollectionNamePipe) collection: string): Promise<CollectionInfo> {
    return this.collections.get(collection);
  }

  @Delete(':name')
  @RequireScope('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a collection and all its documents' })
  @ApiContract({
    responses: { 204: null },
    errors: { 400: 'invalid name', 404: 'no such collection' },
  })
  async remove(@Param('name', CollectionNamePipe) collection: string): Promise<void> {
    await this.collections.remove(collection);
  }
}
