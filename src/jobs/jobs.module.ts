import { DynamicModule, Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import type { Role } from '../config/config';
import { roleParts } from '../config/roles';
import { IngestProducerModule } from '../ingest/ingest-producer.module';
import { GoneJobs } from './gone-jobs';
import { JobEventStreams } from './job-event-streams';
import { JobEventsController } from './job-events.controller';
import { JobLookup } from './job-lookup';
import { JobsController } from './jobs.controller';
import { JobsService } from './jobs.service';
import { QueueEventsHubModule } from './queue-events-hub.module';

/**
 * /v1/jobs and /v1/jobs/events (api). Workers have no part here: they record outcomes through
 * the catalog's JobOutcomes.
 */
@Module({})
export class JobsModule {
  static forRole(role: Role): DynamicModule {
    if (!roleParts(role).serveApi) return { module: JobsModule };
    return {
      module: JobsModule,
      imports: [CatalogModule, IngestProducerModule, QueueEventsHubModule],
      controllers: [JobsController, JobEventsController],
      providers: [JobLookup, GoneJobs, JobEventStreams, JobsService],
    };
  }
}
