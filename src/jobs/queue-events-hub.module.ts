import { Module } from '@nestjs/common';
import { QueueEventsHub } from '../queues/queue-events-hub';

/**
 * One QueueEventsHub per API process, shared by the job event streams and the search waiters
 * (each import of this module is the same instance). Import it only into api parts.
 */
@Module({ providers: [QueueEventsHub], exports: [QueueEventsHub] })
export class QueueEventsHubModule {}
