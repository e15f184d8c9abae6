import type { CircuitBreaker } from '../resilience/circuit-breaker';
import type { EmbedOptions, Embedder } from './embedder.port';

/**
 * Whether an embedding error means the remote server is unhealthy: network errors, timeouts,
 * 408, 429 and 5xx (each already retried by the embedder) do; a request the server refused
 * (4xx), vectors of the wrong size and empty inputs are the caller's or the configuration's
 * fault and do not.
 */
export function isEmbedderOutage(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return true;
  const { name, status } = error as { name?: unknown; status?: unknown };
  if (name === 'EmbeddingDimensionMismatchError' || name === 'EmptyEmbeddingInputError') {
    return false;
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return status === 408 || status === 429;
  }
  return true;
}

/** A remote embedder behind a circuit breaker (never the local model pool). */
export class BreakerEmbedder implements Embedder {
  readonly id: string;
  readonly dimensions: number;
  readonly maxInputTokens: number;

  constructor(
    private readonly inner: Embedder,
    private readonly breaker: CircuitBreaker,
  ) {
    this.id = inner.id;
    this.dimensions = inner.dimensions;
    this.maxInputTokens = inner.maxInputTokens;
  }

  countTokens(text: string): number {
    return this.inner.countTokens(text);
  }

  embed(texts: string[], options?: EmbedOptions): Promise<Float32Array[]> {
    return this.breaker.execute(() => this.inner.embed(texts, options));
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
