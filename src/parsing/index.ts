export { chunkDocument } from './chunker';
export { parseDocument } from './parse-document';
export { parseHtml } from './html-parser';
export { parseMarkdown } from './markdown-parser';
export { parseText } from './text-parser';
export { estimateTokens } from './token-estimate';
export type {
  Block,
  BlockKind,
  Chunk,
  ChunkerOptions,
  DocumentFormat,
  ParsedDocument,
  Span,
} from './types';
