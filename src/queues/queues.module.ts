import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Global, Module } from '@nestjs/common';
import type { AppConfig } from '../config/config';
import { configuredQueuePrefix } from '../redis/keys';
import { producerConnectionOptions } from '../redis/redis-connection';
import { JobQueues } from './job-queues';
import { ALL_QUEUES } from './queue-names';

/**
 * BullMQ for the whole app: one Queue per name in ALL_QUEUES, which features take from
 * JobQueues (typed by their jobs; only src/queues names a queue token). Global, so features
 * need not import it.
 */
@Global()
@Module({})
export class QueuesModule {
  static forRoot(config: AppConfig): DynamicModule {
    const queues = BullModule.registerQueue(
      ...ALL_QUEUES.map((name) => ({ name, prefix: configuredQueuePrefix(config, name) })),
    );
    return {
      module: QueuesModule,
      imports: [
        // These Queues add and read jobs on behalf of requests, so they fail fast; workers and
        // QueueEvents open their own connections that wait for Redis.
        BullModule.forRoot({
          connection: producerConnectionOptions(config.redisUrl, config.redisCommandTimeoutMs),
          prefix: config.prefix,
        }),
        queues,
      ],
      providers: [JobQueues],
      exports: [JobQueues],
    };
  }
}
