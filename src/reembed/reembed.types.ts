import type { ReembedResponse, ReembedResult } from '../contract/collections';

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

export type ReembedJobResult = ReembedResult;

/** What `POST /v1/collections/:name/reembed` answers. */
export type ReembedAccepted = ReembedResponse;
