import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequireScope } from '../auth/auth.guard';
import { CollectionNamePipe } from '../collections/collection-name.pipe';
import { ApiContract } from '../common/openapi';
import { parseOr400 } from '../common/validation';
import {
  batchSearchBodySchema,
  SearchBatchResponse,
  searchBatchResponseSchema,
  searchBodySchema,
  SearchResponse,
  searchResponseSchema,
} from '../contract/search';
import { SearchService } from './search.service';

const serialisedHits = new WeakMap<SearchResponse['hits'], Buffer>();

/**
 * The response as JSON bytes, the same as JSON.stringify(response). A cache hit answers with
 * the very hits array it holds, so their JSON (most of the bytes) is encoded once per cached
 * result, not once per request: measured at 500 searches/s, serialising and encoding the
 * responses took about a tenth of the event loop.
 */
export function responseBody(response: SearchResponse): Buffer {
  let hits = serialisedHits.get(response.hits);
  if (!hits) {
    hits = Buffer.from(JSON.stringify(response.hits));
    serialisedHits.set(response.hits, hits);
  }
  const { hits: _hits, ...rest } = response;
  const tail = JSON.stringify(rest);
  return Buffer.concat([
    Buffer.from('{"hits":'),
    hits,
    Buffer.from(tail === '{}' ? '}' : `,${tail.slice(1)}`),
  ]);
}

/** The same breakdown as `took`, for browsers' and load tools' timing panels. */
export function serverTiming(response: SearchResponse): string {
  const parts = [`cache;desc="${response.cache}"`, `total;dur=${response.took.totalMs}`];
  if (response.took.queueMs !== undefined) parts.push(`queue;dur=${response.took.queueMs}`);
  if (response.took.embedMs !== undefined) parts.push(`embed;dur=${response.took.embedMs}`);
  if (response.took.storeMs !== undefined) parts.push(`store;dur=${response.took.storeMs}`);
  return parts.join(', ');
}

@ApiTags('search')
@Controller('v1/collections/:name/search')
export class SearchController {
  constructor(private readonly searches: SearchService) {}

  @Post()
  @HttpCode(200)
  @RequireScope('search')
  @ApiOperation({ summary: 'Search a collection (dense, bm25 or hybrid), cache first' })
  @ApiContract({
    body: searchBodySchema,
    responses: { 200: searchResponseSchema },
    errors: {
      400: 'invalid body or collection name',
      404: 'no such collection',
      504: 'the result did not arrive in time',
    },
  })
  async search(
    @Param('name', CollectionNamePipe) collection: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer> {
    const request = parseOr400(searchBodySchema, body);
    const response: SearchResponse = await this.searches.search(collection, request);
    void reply.header('server-timing', serverTiming(response));
    void reply.type('application/json; charset=utf-8');
    return responseBody(response);
  }

  @Post('batch')
  @HttpCode(200)
  @RequireScope('search')
  @ApiOperation({ summary: 'Several searches of one collection in one request' })
  @ApiContract({
    body: batchSearchBodySchema,
    responses: { 200: searchBatchResponseSchema },
    errors: {
      400: 'invalid body or collection name',
      404: 'no such collection',
      504: 'a result did not arrive in time',
    },
  })
  async batch(
    @Param('name', CollectionNamePipe) collection: string,
    @Body() body: unknown,
  ): Promise<SearchBatchResponse> {
    const { searches } = parseOr400(batchSearchBodySchema, body);
    return { results: await Promise.all(searches.map((s) => this.searches.search(collection, s))) };
  }
}
