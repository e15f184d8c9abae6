import { DynamicModule, Module, Provider, Type } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AdminModule } from './admin/admin.module';
import { APP_GUARD } from '@nestjs/core';
import { AuthGuard } from './auth/auth.guard';
import { BatchersService } from './batching/batchers.service';
import { CatalogModule } from './catalog/catalog.module';
import { CollectionsController } from './collections/collections.controller';
import { CollectionsService } from './collections/collections.service';
import { AppConfig } from './config/config';
import { ConfigModule } from './config/config.module';
import { EmbedderRegistry } from './embedding/embedder-registry';
import { HealthController } from './health/health.controller';
import { ReadinessMetrics } from './health/readiness-metrics';
import { DocumentBodies } from './ingest/document-bodies';
import { DocumentsController } from './ingest/documents.controller';
import { IngestPipelineService } from './ingest/ingest-pipeline.service';
import { IngestProducerService } from './ingest/ingest-producer.service';
import { IngestWorker } from './ingest/ingest.worker';
import { GoneJobs } from './jobs/gone-jobs';
import { JobEventStreams } from './jobs/job-event-streams';
import { JobEventsController } from './jobs/job-events.controller';
import { JobLookup } from './jobs/job-lookup';
import { JobOutcomes } from './jobs/job-outcomes';
import { JobsController } from './jobs/jobs.controller';
import { QueueEventsHub } from './queues/queue-events-hub';
import { RateLimitGuard } from './ratelimit/rate-limit.guard';
import { RedisModule } from './redis/redis.module';
import { CollectionStates } from './search/collection-states';
import { SearchCache } from './search/search-cache';
import { SearchExecutor } from './search/search-executor';
import { ServingIndexes } from './serving/serving-indexes.service';
import { SearchWaiters } from './search/search-waiters';
import { SearchController } from './search/search.controller';
import { SearchService } from './search/search.service';
import { SearchWorker } from './search/search.worker';
import { ActiveMigrations } from './reembed/active-migrations';
import { CollectionMigration } from './reembed/collection-migration.service';
import { ReembedController } from './reembed/reembed.controller';
import { ReembedService } from './reembed/reembed.service';
import { ReembedWorker } from './reembed/reembed.worker';
import { MetricsModule } from './metrics/metrics.module';
import { MonitorModule } from './monitor/monitor.module';
import { QueuesModule } from './queues/queues.module';
import { ResilienceModule } from './resilience/circuit-breakers';
import { StoreModule } from './store/store.module';
import { sourcesFeature } from './sources/sources.module';
import { TuneController } from './tuning/tune.controller';
import { TuneService } from './tuning/tune.service';
import { TuneWorker } from './tuning/tune.worker';
import { StoreMaintenanceRegistrar } from './tuning/store-maintenance.registrar';

@Module({})
export class AppModule {
  /** One build, three roles: `api` serves HTTP, `worker` consumes queues, `all` does both. */
  static forRole(config: AppConfig): DynamicModule {
    const serveApi = config.role !== 'worker';
    const runWorkers = config.role !== 'api';
    const controllers: Type[] = [HealthController];
    const providers: Provider[] = [
      DocumentBodies,
      EmbedderRegistry,
      CollectionsService,
      ActiveMigrations,
      { provide: APP_GUARD, useClass: AuthGuard },
      // After AuthGuard (guards run in this order): limits are per authenticated key.
      { provide: APP_GUARD, useClass: RateLimitGuard },
      ReadinessMetrics,
      // Workers write a finished job's outcome; the API reads it once the job is removed.
      JobOutcomes,
    ];
    if (serveApi) {
      controllers.push(
        CollectionsController,
        DocumentsController,
        JobsController,
        JobEventsController,
        SearchController,
        ReembedController,
        TuneController,
      );
      providers.push(
        IngestProducerService,
        ReembedService,
        CollectionStates,
        SearchCache,
        QueueEventsHub,
        JobLookup,
        GoneJobs,
        JobEventStreams,
        SearchWaiters,
        SearchService,
        TuneService,
      );
    }
    if (runWorkers) {
      providers.push(
        BatchersService,
        IngestPipelineService,
        IngestWorker,
        ServingIndexes,
        SearchExecutor,
        SearchWorker,
        CollectionMigration,
        ReembedWorker,
        TuneWorker,
        StoreMaintenanceRegistrar,
      );
    }
    // Sync workers hand pages to ingest through the same producer as the API.
    if (runWorkers && !serveApi) providers.push(IngestProducerService);
    const sources = sourcesFeature(serveApi, runWorkers);
    controllers.push(...sources.controllers);
    providers.push(...sources.providers);
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        RedisModule,
        CatalogModule,
        ResilienceModule,
        StoreModule,
        TerminusModule,
        MetricsModule,
        MonitorModule.forRoot({
          intervalMs: config.monitor.intervalMs,
          windowMs: config.monitor.windowMs,
          optimizer: {
            enabled: config.monitor.optimizer,
            cooldownMs: config.monitor.cooldownMs,
            searchLatency: { p95TargetMs: config.monitor.searchP95TargetMs },
            searchEf: { efMin: config.monitor.efMin, efMax: config.monitor.efMax },
            storeOptimize: { unindexedRowsHigh: config.monitor.optimizeUnindexedRows },
            ...(config.monitor.rssLimitBytes
              ? { memory: { rssLimitBytes: config.monitor.rssLimitBytes } }
              : {}),
          },
        }),
        QueuesModule.forRoot(config),
        ...(serveApi ? [AdminModule] : []),
      ],
      controllers,
      providers,
    };
  }
}
