import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AdminModule } from './admin/admin.module';
import { AuthGuard } from './auth/auth.guard';
import { CatalogModule } from './catalog/catalog.module';
import { CollectionsModule } from './collections/collections.module';
import { FeatureShutdown } from './common/feature-shutdown';
import { AppConfig } from './config/config';
import { ConfigModule } from './config/config.module';
import { roleParts } from './config/roles';
import { HealthModule } from './health/health.module';
import { IngestModule } from './ingest/ingest.module';
import { JobsModule } from './jobs/jobs.module';
import { MetricsModule } from './metrics/metrics.module';
import { MonitorModule } from './monitor/monitor.module';
import { QueuesModule } from './queues/queues.module';
import { RateLimitGuard } from './ratelimit/rate-limit.guard';
import { RedisModule } from './redis/redis.module';
import { ReembedModule } from './reembed/reembed.module';
import { ResilienceModule } from './resilience/circuit-breakers';
import { SearchModule } from './search/search.module';
import { SourcesModule } from './sources/sources.module';
import { StoreModule } from './store/store.module';
import { TuningModule } from './tuning/tuning.module';

@Module({})
export class AppModule {
  /**
   * One build, three roles: `api` serves HTTP, `worker` consumes queues, `all` does both. Each
   * feature module picks its api and worker parts from the role; build each one here, once
   * (features share services through static modules without controllers: README, Architecture).
   */
  static forRole(config: AppConfig): DynamicModule {
    const { role } = config;
    return {
      module: AppModule,
      imports: [
        // Infrastructure (global, except the catalog)
        ConfigModule.forRoot(config),
        RedisModule,
        CatalogModule,
        ResilienceModule,
        StoreModule,
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
        // Features
        HealthModule,
        CollectionsModule.forRole(role),
        IngestModule.forRole(role),
        JobsModule.forRole(role),
        SearchModule.forRole(role),
        ReembedModule.forRole(role),
        TuningModule.forRole(role),
        SourcesModule.forRole(role),
        ...(roleParts(role).serveApi ? [AdminModule] : []),
      ],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        // After AuthGuard (guards run in this order): limits are per authenticated key.
        { provide: APP_GUARD, useClass: RateLimitGuard },
        // The features' workers stop taking jobs together on shutdown, as one module's would.
        FeatureShutdown,
      ],
    };
  }
}
