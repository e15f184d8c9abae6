import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { MONITOR_OPTIONS, MonitorOptions, MonitorService } from './monitor.service';
import { PerformanceController } from './performance.controller';

export type MonitorModuleOptions = Omit<MonitorOptions, 'prefix'> & { prefix?: string };

/**
 * The monitor and GET /v1/health/performance. Needs APP_CONFIG (its prefix names the Redis
 * channel) and, for fleet-wide actions, the REDIS connection (RedisModule); MetricsModule is
 * optional (without it nothing is counted). Global, so feature services can inject MonitorService.
 */
@Global()
@Module({})
export class MonitorModule {
  static forRoot(options: MonitorModuleOptions = {}): DynamicModule {
    return {
      module: MonitorModule,
      controllers: [PerformanceController],
      providers: [
        {
          provide: MONITOR_OPTIONS,
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig): MonitorOptions => ({
            ...options,
            prefix: options.prefix ?? config.prefix,
          }),
        },
        MonitorService,
      ],
      exports: [MonitorService],
    };
  }
}
