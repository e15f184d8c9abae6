import { QueueEvents } from 'bullmq';
import type { AppConfig } from '../config/config';
import { configuredQueuePrefix } from '../redis/keys';
import { bullConnectionOptions } from '../redis/redis-connection';
import type { QueueName } from './queue-names';

/**
 * A listener of one queue's events with ragline's prefix, on a connection of its own (named
 * `${prefix}:${purpose}`) that waits for Redis rather than failing fast.
 */
export function createQueueEvents(
  config: AppConfig,
  queue: QueueName,
  purpose: string,
): QueueEvents {
  return new QueueEvents(queue, {
    connection: bullConnectionOptions(config.redisUrl, `${config.prefix}:${purpose}`),
    prefix: configuredQueuePrefix(config, queue),
  });
}
