import { DocumentFormat } from '../catalog/catalog.types';
import { AppConfig } from '../config/config';
import type { Embedder } from '../embedding/embedder.port';
import { Chunk, chunkDocument, parseDocument } from '../parsing';
import type { ParsedDocument } from '../parsing/types';

export type TokenBudget = Pick<Embedder, 'countTokens' | 'maxInputTokens'>;

/** Chunk size: the configured maximum, never more than the embedder reads. */
export function maxChunkTokens(config: AppConfig['chunking'], embedder: TokenBudget): number {
  return Math.min(config.maxTokens ?? embedder.maxInputTokens, embedder.maxInputTokens);
}

/** The chunks a document gives for an embedder: the same for the worker and for any check. */
export function chunksFor(
  format: DocumentFormat,
  content: string,
  embedder: TokenBudget,
  config: AppConfig['chunking'],
): Chunk[] {
  return chunksOfParsed(parseDocument(format, content), embedder, config);
}

/** The chunks of an already parsed document (the worker parses off the event loop). */
export function chunksOfParsed(
  parsed: ParsedDocument,
  embedder: TokenBudget,
  config: AppConfig['chunking'],
): Chunk[] {
  const maxTokens = maxChunkTokens(config, embedder);
  return chunkDocument(parsed, {
    maxTokens,
    overlapTokens: Math.min(config.overlapTokens, Math.floor(maxTokens / 2)),
    countTokens: (text: string) => embedder.countTokens(text),
  });
}
