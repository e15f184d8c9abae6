export const REEMBED_QUEUE = 'reembed';

/** How long a running re-embedding holds writes back without renewing its claim. */
export const MIGRATION_CLAIM_TTL_MS = 60_000;
export const MIGRATION_RENEW_MS = 15_000;

/** One side of a re-embedding: an embedder, its vector size, the store collection. */
export interface EmbeddingSide {
  embedder: string;
  dimensions: number;
  storeName: string;
}

export interface ReembedJobData {
  collection: string;
  from: EmbeddingSide;
  to: EmbeddingSide;
  requestedAt: number;
}

export interface ReembedJobResult {
  collection: string;
  from: string;
  to: string;
  dimensions: number;
  storeName: string;
  documents: number;
  chunks: number;
  /** The collection's version after the switch. */
  version: number;
  timings: Record<string, number>;
}

/** What `POST /v1/collections/:name/reembed` answers. */
export interface ReembedAccepted {
  /** The job to follow with `GET /v1/jobs/:id`; null when there was nothing to do. */
  job: { id: string } | null;
  collection: string;
  from: string;
  to: string;
  /** `queued`: a new job; `running`: the same re-embedding was already underway; `unchanged`. */
  status: 'queued' | 'running' | 'unchanged';
}
