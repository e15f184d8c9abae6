import type { ReembedResult } from '../contract/collections';

/** One side of a re-embedding: an embedder, its vector size, the store collection. */
export interface EmbeddingSide {
  embedder: string;
  dimensions: number;
  storeName: string;
}

/** A job of the reembed queue. */
export interface ReembedJobData {
  collection: string;
  from: EmbeddingSide;
  to: EmbeddingSide;
  requestedAt: number;
}

export type ReembedJobResult = ReembedResult;
