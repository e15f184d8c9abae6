/** Thrown before any work when a batch holds empty or whitespace-only texts (the models reject them). */
export class EmptyEmbeddingInputError extends Error {
  constructor(readonly indices: readonly number[]) {
    super(
      `cannot embed empty or whitespace-only text (input ${indices.length === 1 ? 'index' : 'indices'} ${indices.slice(0, 10).join(', ')}${indices.length > 10 ? ', ...' : ''})`,
    );
    this.name = 'EmptyEmbeddingInputError';
  }
}

/** The server returned vectors of another size than the configured `dimensions`. */
export class EmbeddingDimensionMismatchError extends Error {
  constructor(
    readonly embedderId: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(
      `embedder ${embedderId} returned ${actual}-dimensional vectors, configured for ${expected}: fix "dimensions" (or the model) so it matches the collection`,
    );
    this.name = 'EmbeddingDimensionMismatchError';
  }
}

/** An embedding server answered with an error, or could not be reached, after all retries. */
export class EmbeddingRequestError extends Error {
  constructor(
    message: string,
    /** HTTP status, or undefined for network errors and timeouts. */
    readonly status: number | undefined,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EmbeddingRequestError';
  }
}

/** A worker thread failed the task twice (it crashed, or the model threw). */
export class EmbeddingWorkerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EmbeddingWorkerError';
  }
}
