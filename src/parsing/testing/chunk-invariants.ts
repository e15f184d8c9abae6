import type { Chunk, ParsedDocument } from '../types';

export function words(text: string): string[] {
  return text.split(/\s+/).filter((word) => word.length > 0);
}

export function bodyOf(chunk: Chunk): string {
  return chunk.text.slice(chunk.bodyOffset);
}

/**
 * The content characters of the document in [start, end): those of content blocks (not
 * headings) minus their markup ranges, blocks separated by a space.
 */
export function contentBetween(parsed: ParsedDocument, start: number, end: number): string {
  const parts: string[] = [];
  for (const block of parsed.blocks) {
    if (block.kind === 'heading' || block.end <= start || block.start >= end) continue;
    let pos = Math.max(start, block.start);
    const to = Math.min(end, block.end);
    const text: string[] = [];
    for (const span of block.markup ?? []) {
      if (span.end <= pos) continue;
      if (span.start >= to) break;
      if (span.start > pos) text.push(parsed.text.slice(pos, span.start));
      pos = Math.max(pos, span.end);
    }
    if (pos < to) text.push(parsed.text.slice(pos, to));
    parts.push(text.join(''));
  }
  return parts.join(' ');
}

/**
 * The offsets contract: the chunk's body holds exactly the words of the document's content in
 * [start, end), in order, and that range starts and ends on content.
 */
export function expectBodyMatchesSource(parsed: ParsedDocument, chunk: Chunk): void {
  const body = bodyOf(chunk);
  expect(words(contentBetween(parsed, chunk.start, chunk.end))).toEqual(words(body));
  expect(parsed.text[chunk.start]).toBe(body[0]);
  expect(parsed.text[chunk.end - 1]).toBe(body[body.length - 1]);
}

/** Whether `needles` occur in `haystack` in order (not necessarily adjacent). */
export function isSubsequence(needles: readonly string[], haystack: readonly string[]): boolean {
  let at = 0;
  for (const word of haystack) {
    if (at < needles.length && word === needles[at]) at++;
  }
  return at === needles.length;
}

export { seededRandom } from '../../common/seeded-random';
