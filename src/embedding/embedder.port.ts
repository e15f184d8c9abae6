import type { EmbedPriority } from './priority-task-queue';

export interface EmbedOptions {
  /**
   * `interactive` (default): someone waits on it (a search query). `bulk`: throughput work
   * (document chunks); a local model hands interactive work out first. Remote providers may
   * ignore it.
   */
  priority?: EmbedPriority;
  /**
   * false: neither read nor write a cache shared between processes (Redis). For texts whose
   * vectors are not worth keeping there, such as search queries (the caller keeps its own).
   */
  sharedCache?: boolean;
}

/** Turns texts into unit-length vectors. Adapters: use-lite (default, offline), openai, ... */
export interface Embedder {
  /** Stable id recorded per collection, e.g. `use-lite` or `openai:text-embedding-3-small`. */
  readonly id: string;
  readonly dimensions: number;
  /** Tokens the model actually reads; text past this changes nothing. */
  readonly maxInputTokens: number;
  /** Counts the model's own sub-word tokens (for chunk sizing). */
  countTokens(text: string): number;
  /** Vectors in input order. Callers never pass empty or whitespace-only texts. */
  embed(texts: string[], options?: EmbedOptions): Promise<Float32Array[]>;
  /**
   * CPU seconds the model has used in this process so far, for a model that runs here (its
   * own threads); absent for remote providers, undefined where it cannot be read.
   */
  cpuSeconds?(): number | undefined;
  close(): Promise<void>;
}

export const EMBEDDER = Symbol('EMBEDDER');
