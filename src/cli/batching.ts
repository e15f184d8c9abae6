export interface BatchLimits {
  /** Documents per request. */
  maxDocuments: number;
  /** Bytes of the JSON request body. */
  maxBytes: number;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxDocuments: 50, maxBytes: 5 * 1024 * 1024 };

/** `{"documents":[]}`: what a request body weighs besides its documents. */
export const ENVELOPE_BYTES = Buffer.byteLength(JSON.stringify({ documents: [] }));

/** The bytes a value adds to a JSON request body (UTF-8, as sent). */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}

/** The exact size of the body `{"documents":[...]}` for documents of the given JSON sizes. */
export function bodyBytes(documentSizes: readonly number[]): number {
  const sum = documentSizes.reduce((a, b) => a + b, 0);
  return ENVELOPE_BYTES + sum + Math.max(0, documentSizes.length - 1);
}

/**
 * Groups documents into request batches that stay within both limits, keeping their order.
 * A document too large for `maxBytes` on its own still gets a batch of its own: the server
 * decides (and answers 413 if it refuses).
 */
export async function* batchDocuments<T>(
  items: AsyncIterable<T> | Iterable<T>,
  limits: BatchLimits,
  sizeOf: (item: T) => number = jsonBytes,
): AsyncGenerator<T[]> {
  let batch: T[] = [];
  let bytes = ENVELOPE_BYTES;
  for await (const item of items) {
    const size = sizeOf(item);
    const separator = batch.length > 0 ? 1 : 0;
    if (
      batch.length > 0 &&
      (batch.length >= limits.maxDocuments || bytes + separator + size > limits.maxBytes)
    ) {
      yield batch;
      batch = [];
      bytes = ENVELOPE_BYTES;
    }
    bytes += (batch.length > 0 ? 1 : 0) + size;
    batch.push(item);
  }
  if (batch.length > 0) yield batch;
}
