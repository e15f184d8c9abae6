import { INGEST_QUEUE } from '../ingest/ingest.types';
import { REEMBED_QUEUE } from '../reembed/reembed.types';
import { SEARCH_QUEUE } from '../search/search.constants';
import { SOURCES_QUEUE } from '../sources/sources.types';
import { TUNE_QUEUE } from '../tuning/tune.types';

/** Every queue ragline has: counted by the monitor and /metrics, shown on /admin and Bull Board. */
export const ALL_QUEUES = [
  INGEST_QUEUE,
  SEARCH_QUEUE,
  REEMBED_QUEUE,
  TUNE_QUEUE,
  SOURCES_QUEUE,
] as const;

export type QueueName = (typeof ALL_QUEUES)[number];
