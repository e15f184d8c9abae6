/** The queue of document writes (upserts and deletes), consumed by the ingest worker. */
export const INGEST_QUEUE = 'ingest';
/** The queue of searches, each awaited by the request that added it. */
export const SEARCH_QUEUE = 'search';
/** The queue of re-embeddings (a collection moved to another embedder). */
export const REEMBED_QUEUE = 'reembed';
/** The queue of ef tunings. */
export const TUNE_QUEUE = 'tune';
/** The queue of source syncs and `url` documents to fetch. */
export const SOURCES_QUEUE = 'sources';

/** Every queue ragline has: counted by the monitor and /metrics, shown on /admin and Bull Board. */
export const ALL_QUEUES = [
  INGEST_QUEUE,
  SEARCH_QUEUE,
  REEMBED_QUEUE,
  TUNE_QUEUE,
  SOURCES_QUEUE,
] as const;

export type QueueName = (typeof ALL_QUEUES)[number];
