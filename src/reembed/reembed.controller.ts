import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { RequireScope } from '../auth/auth.guard';
import { parseCollectionName } from '../collections/collections.controller';
import { errorResponseSchema, openApiSchema } from '../common/openapi';
import { parseOr400 } from '../common/validation';
import { ReembedService } from './reembed.service';
import { ReembedAccepted } from './reembed.types';

export const reembedBodySchema = z
  .object({
    embedder: z.string({ required_error: 'is required' }).min(1).max(200),
  })
  .strict();

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
  @ApiBody({ schema: openApiSchema(reembedBodySchema) })
  @ApiResponse({ status: 202, description: '{ job: { id }, collection, from, to, status }' })
  @ApiResponse({ status: 400, description: 'unknown embedder', schema: errorResponseSchema })
  @ApiResponse({ status: 404, schema: errorResponseSchema })
  @ApiResponse({
    status: 409,
    description: 'a re-embedding to another embedder is underway',
    schema: errorResponseSchema,
  })
  async start(
    @Param('name') name: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ReembedAccepted> {
    const collection = parseCollectionName(name);
    const { embedder } = parseOr400(reembedBodySchema, body ?? {});
    const accepted = await this.reembed.request(collection, embedder);
    reply.status(accepted.status === 'unchanged' ? 200 : 202);
    return accepted;
  }
}
