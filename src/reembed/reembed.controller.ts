import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequireScope } from '../auth/auth.guard';
import { CollectionNamePipe } from '../collections/collection-name.pipe';
import { ApiContract } from '../common/openapi';
import { parseOr400 } from '../common/validation';
import { reembedAcceptedSchema, reembedBodySchema, ReembedResponse } from '../contract/collections';
import { ReembedService } from './reembed.service';

@ApiTags('collections')
@Controller('v1/collections/:name/reembed')
export class ReembedController {
  constructor(private readonly reembed: ReembedService) {}

  /**
   * Admin scope: it re-embeds every chunk (on a hosted embedder, at a cost) and changes how
   * the collection is searched for everyone.
   */
  @Post()
  @RequireScope('admin')
  @ApiOperation({
    summary:
      'Move a collection to another embedder: 202 with the job (GET /v1/jobs/:id for progress), 200 when it already uses it',
  })
  @ApiContract({
    body: reembedBodySchema,
    responses: { 200: reembedAcceptedSchema, 202: reembedAcceptedSchema },
    descriptions: { 200: 'the collection already uses this embedder', 202: 'the re-embed job' },
    errors: {
      400: 'unknown embedder',
      404: 'no such collection',
      409: 'a re-embedding to another embedder is underway',
    },
  })
  async start(
    @Param('name', CollectionNamePipe) collection: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReembedResponse> {
    const { embedder } = parseOr400(reembedBodySchema, body ?? {});
    const accepted = await this.reembed.request(collection, embedder);
    reply.status(accepted.status === 'unchanged' ? 200 : 202);
    return accepted;
  }
}
