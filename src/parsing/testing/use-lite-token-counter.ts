import { initModel, type EmbeddingsModelData } from '@energetic-ai/embeddings';
import { loadUseVocabulary } from '../../embedding/use-tokenizer';

let counter: Promise<(text: string) => number> | undefined;

/**
 * The Universal Sentence Encoder lite package's own tokenizer as a token counter, for tests of
 * chunk sizing. It is built from the vocabulary alone (no model weights are loaded), so specs
 * using it stay unit tests.
 */
export function useLiteTokenCounter(): Promise<(text: string) => number> {
  const noModel = null as unknown as EmbeddingsModelData['model'];
  counter ??= initModel(async () => ({ vocabulary: loadUseVocabulary(), model: noModel })).then(
    (model) => (text: string) => model.tokenizer.encode(text).length,
  );
  return counter;
}
