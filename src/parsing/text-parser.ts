import { isBlank, splitLines, trimEndOffset, trimStartOffset } from './lines';
import type { Block, ParsedDocument } from './types';

/** Plain text: paragraphs are separated by blank lines; offsets are into the original text. */
export function parseText(content: string): ParsedDocument {
  const lines = splitLines(content);
  const blocks: Block[] = [];
  let first = -1;
  const flush = (last: number): void => {
    if (first < 0) return;
    const start = trimStartOffset(content, lines[first].start, lines[last].end);
    const end = trimEndOffset(content, start, lines[last].end);
    blocks.push({
      kind: 'paragraph',
      text: normalizeLineEndings(content.slice(start, end)),
      start,
      end,
    });
    first = -1;
  };
  for (let i = 0; i < lines.length; i++) {
    if (isBlank(content, lines[i])) flush(i - 1);
    else if (first < 0) first = i;
  }
  flush(lines.length - 1);
  return { text: content, blocks };
}

export function normalizeLineEndings(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}
