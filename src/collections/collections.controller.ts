import { Body, Controller, Delete, Get, HttpCode, Param, Put, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequireScope } from '../auth/auth.guard';
import { errorResponseSchema, openApiSchema } from '../common/openapi';
import { parseOr400 } from '../common/validation';
import { collectionNameSchema, createCollectionSchema } from './collection.schemas';
import { CollectionsService, CollectionView } from './collections.service';

export function parseCollectionName(name: string): string {
  return parseOr400(collectionNameSchema, name, 'collection name');
}

@ApiTags('collections')
@Controller('v1/collections')
export class CollectionsController {
  constructor(private readonly collections: CollectionsService) {}

  @Put(':name')
  @RequireScope('ingest')
  @ApiOperation({
    summary: 'Create a collection (201), or confirm one with the same settings (200)',
  })
  @ApiBody({ schema: openApiSchema(createCollectionSchema), required: false })
  @ApiResponse({
    status: 409,
    description: 'exists with other settings',
    schema: errorResponseSchema,
  })
  async create(
    @Param('name') name: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CollectionView> {
    const settings = parseOr400(createCollectionSchema, body ?? {});
    const { created, view } = await this.collections.create(parseCollectionName(name), settings);
    reply.status(created ? 201 : 200);
    return view;
  }

  @Get()
  @RequireScope('ingest', 'search')
  @ApiOperation({ summary: 'List collections' })
  async list(): Promise<{ collections: CollectionView[] }> {
    return { collections: await this.collections.list() };
  }

  @Get(':name')
  @RequireScope('ingest', 'search')
  @ApiOperation({ summary: 'Describe a collection' })
  @ApiResponse({ status: 404, schema: errorResponseSchema })
  async get(@Param('name') name: string): Promise<CollectionView> {
    return this.collections.get(parseCollectionName(name));
  }

  @Delete(':name')
  @RequireScope('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a collection and all its documents' })
  async remove(@Param('name') name: string): Promise<void> {
    await this.collections.remove(parseCollectionName(name));
  }
}
