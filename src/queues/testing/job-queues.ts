import { Queue } from 'bullmq';
import type { AppConfig } from '../../config/config';
import { configuredQueuePrefix } from '../../redis/keys';
import { producerConnectionOptions } from '../../redis/redis-connection';
import { JobQueues } from '../job-queues';
import {
  INGEST_QUEUE,
  type QueueName,
  REEMBED_QUEUE,
  SEARCH_QUEUE,
  SOURCES_QUEUE,
  TUNE_QUEUE,
} from '../queue-names';

/**
 * Every queue, opened as QueuesModule opens them (fail-fast producer connections, the
 * configured prefix), for tests that build services without Nest. Their `error` events are
 * dropped: tests that stop Redis judge the calls' outcomes instead. Close with closeJobQueues.
 */
export function openJobQueues(config: AppConfig): JobQueues {
  const open = (name: QueueName): Queue => {
    const queue = new Queue(name, {
      connection: producerConnectionOptions(config.redisUrl, config.redisCommandTimeoutMs),
      prefix: configuredQueuePrefix(config, name),
    });
    queue.on('error', () => undefined);
    return queue;
  };
  return new JobQueues(
    open(INGEST_QUEUE),
    open(SEARCH_QUEUE),
    open(REEMBED_QUEUE),
    open(TUNE_QUEUE),
    open(SOURCES_QUEUE),
  );
}

export async function closeJobQueues(queues: JobQueues | undefined): Promise<void> {
  await Promise.all(queues?.all().map((queue) => queue.close()) ?? []);
}
