import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isAdminRequest, RequireScope } from '../auth/auth.guard';
import { ApiContract } from '../common/openapi';
import { parseOr400 } from '../common/validation';
import { JobEventStreams } from './job-event-streams';
import { idsQuerySchema, MAX_JOB_IDS } from './job-ids-query';
import { SseWriter } from './sse-writer';

@ApiTags('jobs')
@Controller('v1/jobs/events')
export class JobEventsController {
  constructor(private readonly streams: JobEventStreams) {}

  @Get()
  @RequireScope('ingest', 'search')
  @ApiOperation({
    summary: `Server-sent events of up to ${MAX_JOB_IDS} jobs (\`?ids=a,b\`): each job's state first, then active, progress, completed and failed as they happen; ends once every job is final`,
  })
  @ApiQuery({ name: 'ids', required: true })
  @ApiContract({
    responses: {},
    errors: { 400: 'invalid or missing ids', 503: 'too many open event streams (Retry-After)' },
  })
  @ApiResponse({
    status: 200,
    description: 'the event stream (docs/API.md, "Job events")',
    content: {
      'text/event-stream': {
        schema: {
          type: 'string',
          description:
            'events `state` (a job view), `active`, `progress`, `completed`, `failed` (each with the job id and a JSON body) and `end`; `:` heartbeat comments between',
        },
      },
    },
  })
  async stream(
    @Query() query: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { ids } = parseOr400(idsQuerySchema, query ?? {}, 'query');
    const stream = await this.streams.create(ids, isAdminRequest(request));
    // From here on the response is written by hand; the headers set so far (security,
    // rate limit) go with it.
    reply.hijack();
    stream.start(new SseWriter(reply.raw), reply.getHeaders());
  }
}
