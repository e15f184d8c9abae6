import { Body, Controller, Delete, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/auth.guard';
import { CollectionNamePipe } from '../collections/collection-name.pipe';
import { ApiContract } from '../common/openapi';
import { parseOr400 } from '../common/validation';
import { tuneBodySchema, TuneStarted, tuneStartedSchema } from '../contract/tuning';
import { TuneService } from './tune.service';

@ApiTags('admin')
@Controller('v1/admin/collections/:name')
export class TuneController {
  constructor(private readonly tuning: TuneService) {}

  @Post('tune')
  @HttpCode(202)
  @RequireScope('admin')
  @ApiOperation({
    summary: 'Measure recall@10 and latency per ef on the collection`s own data (a job)',
    description:
      'Samples stored points as queries, takes exact search as the truth, and times every ef ' +
      '(and quantized variant) against it. Answers with the job: GET /v1/jobs/:id gives its ' +
      'progress and, when completed, the report (table, recommendation). With apply, the ' +
      'recommended ef is stored on the collection and its searches use it.',
  })
  @ApiContract({
    body: tuneBodySchema,
    bodyOptional: true,
    responses: { 202: tuneStartedSchema },
    descriptions: {
      202: 'the tune job (the one already waiting or running for this collection, if any)',
    },
    errors: { 400: 'invalid body', 404: 'no such collection' },
  })
  async tune(
    @Param('name', CollectionNamePipe) collection: string,
    @Body() body: unknown,
  ): Promise<TuneStarted> {
    return this.tuning.start(collection, parseOr400(tuneBodySchema, body ?? {}));
  }

  @Delete('tuning')
  @HttpCode(204)
  @RequireScope('admin')
  @ApiOperation({ summary: 'Forget the collection`s tuned ef (back to the process-wide ef)' })
  @ApiContract({ responses: { 204: null }, errors: { 404: 'no such collection' } })
  async clear(@Param('name', CollectionNamePipe) collection: string): Promise<void> {
    await this.tuning.clear(collection);
  }
}
