import { EmptyEmbeddingInputError } from './embedding.errors';

/**
 * The one normalisation applied to every text before it is embedded, counted or used as a
 * cache key, so a document chunk and a query with the same content get the same vector:
 * Unicode NFKC, every whitespace run (newlines, tabs, NBSP) collapsed to one space, trimmed.
 * Case is kept here (cased models such as OpenAI's use it); use-lite lowercases on top, where
 * it measured better (see useLiteInput).
 */
export function normaliseEmbeddingText(text: string): string {
  return text.normalize('NFKC').replace(/\s+/g, ' ').trim();
}

/**
 * Normalises a batch and rejects it whole if any text is empty after normalisation. Throwing
 * (rather than returning zero vectors) keeps undefined cosine scores out of the index; the
 * port already says callers never pass such texts, so this only catches bugs early.
 */
export function normaliseEmbeddingBatch(texts: readonly string[]): string[] {
  const normalised = texts.map(normaliseEmbeddingText);
  const empty: number[] = [];
  normalised.forEach((text, index) => {
    if (text.length === 0) empty.push(index);
  });
  if (empty.length > 0) throw new EmptyEmbeddingInputError(empty);
  return normalised;
}
