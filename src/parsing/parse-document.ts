import { parseHtml } from './html-parser';
import { parseMarkdown } from './markdown-parser';
import { parseText } from './text-parser';
import type { DocumentFormat, ParsedDocument } from './types';

/** Splits a document into typed blocks with offsets. Pure, synchronous, never throws on bad markup. */
export function parseDocument(format: DocumentFormat, content: string): ParsedDocument {
  switch (format) {
    case 'text':
      return parseText(content);
    case 'markdown':
      return parseMarkdown(content);
    case 'html':
      return parseHtml(content);
    default:
      throw new TypeError(`unknown document format: ${String(format satisfies never)}`);
  }
}
