import {
  indentWidth,
  isBlank,
  type Line,
  skipIndent,
  splitLines,
  trimEndOffset,
  trimStartOffset,
} from './lines';
import { MarkdownInlineScanner, mergeSpans, pushSpan } from './markdown-inline';
import { normalizeLineEndings } from './text-parser';
import type { Block, BlockKind, ParsedDocument, Span } from './types';

const ATX_HEADING = /^ {0,3}(#{1,6})(?:[ \t]|$)/;
const HTML_HEADING = /^\s*<h([1-6])(?:\s[^>]*)?>.*<\/h\1>\s*$/i;
const SETEXT_UNDERLINE = /^ {0,3}(=+|-+)[ \t]*$/;
const THEMATIC_BREAK = /^ {0,3}([-*_])[ \t]*(?:\1[ \t]*){2,}$/;
const FENCE_OPEN = /^[ \t]*(`{3,}|~{3,})(.*)$/;
const LIST_ITEM = /^[ \t]*([-+*]|\d{1,9}[.)])(?:[ \t]|$)/;
const PARAGRAPH_INTERRUPTING_LIST_ITEM = /^ {0,3}(?:[-+*]|1[.)])[ \t]+\S/;
const BLOCK_QUOTE = /^ {0,3}>/;
const COMMENT_START = /^ {0,3}<!--/;
const TABLE_DELIMITER_ROW = /^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;

interface Fence {
  char: string;
  length: number;
  indent: number;
}

/**
 * A line-based Markdown block parser (CommonMark and GFM block structure, simplified): ATX and
 * setext headings, fenced and indented code, lists, tables, block quotes, paragraphs, YAML front
 * matter; HTML comments, thematic breaks and tag-only lines are dropped. Linear time, never throws.
 */
class MarkdownBlockParser {
  private readonly lines: Line[];
  private readonly inline: MarkdownInlineScanner;
  private readonly blocks: Block[] = [];
  private frontMatter: string | undefined;
  /** After a list was cut short by a fenced block: indented lines still belong to the list item. */
  private inListItem = false;

  constructor(private readonly source: string) {
    this.lines = splitLines(source);
    this.inline = new MarkdownInlineScanner(source);
  }

  parse(): ParsedDocument {
    let i = this.skipFrontMatter();
    while (i < this.lines.length) i = this.parseBlockAt(i);
    const parsed: ParsedDocument = { text: this.source, blocks: this.blocks };
    if (this.frontMatter !== undefined) parsed.frontMatter = this.frontMatter;
    return parsed;
  }

  private lineText(i: number): string {
    const line = this.lines[i];
    return this.source.slice(line.start, line.end);
  }

  private blank(i: number): boolean {
    return isBlank(this.source, this.lines[i]);
  }

  private skipFrontMatter(): number {
    if (this.lines.length === 0) return 0;
    const first = this.lineText(0)
      .replace(/^\uFEFF/, '')
      .trimEnd();
    if (first !== '---') return 0;
    for (let i = 1; i < this.lines.length; i++) {
      const text = this.lineText(i).trimEnd();
      if (text === '---' || text === '...') {
        const body = this.source.slice(this.lines[1]?.start ?? 0, this.lines[i].start);
        this.frontMatter = normalizeLineEndings(body).replace(/\n$/, '');
        return i + 1;
      }
    }
    return 0;
  }

  /** Parses the block starting at line `i` (or skips a blank line); returns the next line. */
  private parseBlockAt(i: number): number {
    if (this.blank(i)) return i + 1;
    const text = this.lineText(i);
    const indent = indentWidth(text);
    if (this.inListItem && indent === 0 && !LIST_ITEM.test(text)) this.inListItem = false;

    const fence = this.fenceAt(text);
    if (fence) return this.parseFencedCode(i, fence);
    if (indent >= 4 && !this.inListItem) return this.parseIndentedCode(i);
    const atx = ATX_HEADING.exec(text);
    if (atx) return this.parseAtxHeading(i, atx[1].length);
    if (HTML_HEADING.test(text)) return this.parseHtmlHeading(i, text);
    if (COMMENT_START.test(text)) return this.skipComment(i);
    if (THEMATIC_BREAK.test(text)) return i + 1;
    if (this.tableStartsAt(i)) return this.parseTable(i);
    if (LIST_ITEM.test(text)) return this.parseList(i);
    if (BLOCK_QUOTE.test(text)) return this.parseBlockQuote(i);
    return this.parseParagraph(i);
  }

  private fenceAt(text: string): Fence | undefined {
    const match = FENCE_OPEN.exec(text);
    if (!match) return undefined;
    const indent = indentWidth(text);
    if (indent > 3 && !this.inListItem) return undefined;
    const char = match[1][0];
    if (char === '`' && match[2].includes('`')) return undefined;
    return { char, length: match[1].length, indent };
  }

  private parseFencedCode(i: number, fence: Fence): number {
    let last = this.lines.length - 1;
    let next = this.lines.length;
    for (let j = i + 1; j < this.lines.length; j++) {
      const text = this.lineText(j);
      const trimmed = text.trim();
      if (
        trimmed.length >= fence.length &&
        indentWidth(text) <= fence.indent + 3 &&
        /^(`+|~+)$/.test(trimmed) &&
        trimmed[0] === fence.char
      ) {
        last = j;
        next = j + 1;
        break;
      }
    }
    const start = skipIndent(this.source, this.lines[i].start, this.lines[i].end);
    const end = trimEndOffset(this.source, start, this.lines[last].end);
    this.addBlock('code', start, end, undefined);
    return next;
  }

  private parseIndentedCode(i: number): number {
    let last = i;
    let j = i + 1;
    for (; j < this.lines.length; j++) {
      if (this.blank(j)) continue;
      if (indentWidth(this.lineText(j)) < 4) break;
      last = j;
    }
    const start = this.lines[i].start;
    this.addBlock(
      'code',
      start,
      trimEndOffset(this.source, start, this.lines[last].end),
      undefined,
    );
    return last + 1;
  }

  private parseAtxHeading(i: number, level: number): number {
    const line = this.lines[i];
    const s = this.source;
    const markerEnd = skipIndent(s, line.start, line.end) + level;
    let titleEnd = trimEndOffset(s, markerEnd, line.end);
    // An optional closing sequence of #s, preceded by a space, is not part of the title.
    let hashes = titleEnd;
    while (hashes > markerEnd && s[hashes - 1] === '#') hashes--;
    if (
      hashes < titleEnd &&
      (hashes === markerEnd || s[hashes - 1] === ' ' || s[hashes - 1] === '\t')
    ) {
      titleEnd = trimEndOffset(s, markerEnd, hashes);
    }
    const titleStart = trimStartOffset(s, markerEnd, titleEnd);
    const markup: Span[] = [];
    pushSpan(markup, line.start, titleStart);
    this.inline.scan(titleStart, titleEnd, markup);
    pushSpan(markup, titleEnd, line.end);
    this.addHeading(level, line.start, trimEndOffset(s, line.start, line.end), markup);
    return i + 1;
  }

  private parseHtmlHeading(i: number, text: string): number {
    const level = Number(/<h([1-6])/i.exec(text)?.[1] ?? '1');
    const line = this.lines[i];
    const start = skipIndent(this.source, line.start, line.end);
    const end = trimEndOffset(this.source, start, line.end);
    const markup: Span[] = [];
    this.inline.scan(start, end, markup);
    this.addHeading(level, start, end, markup);
    return i + 1;
  }

  private skipComment(i: number): number {
    const opening = this.source.indexOf('<!--', this.lines[i].start) + 4;
    const close = this.source.indexOf('-->', opening);
    if (close < 0) return this.lines.length;
    for (let j = i; j < this.lines.length; j++) {
      if (this.lines[j].next > close + 2) return j + 1;
    }
    return this.lines.length;
  }

  private tableStartsAt(i: number): boolean {
    if (i + 1 >= this.lines.length) return false;
    const header = this.lineText(i);
    const delimiter = this.lineText(i + 1);
    return header.includes('|') && delimiter.includes('|') && TABLE_DELIMITER_ROW.test(delimiter);
  }

  private parseTable(i: number): number {
    const s = this.source;
    const markup: Span[] = [];
    let last = i;
    for (let j = i; j < this.lines.length; j++) {
      if (this.blank(j)) break;
      const text = this.lineText(j);
      if (j > i + 1 && !text.includes('|')) break;
      const line = this.lines[j];
      if (j === i + 1) {
        pushSpan(markup, line.start, line.end);
      } else {
        // Outer pipes carry no content; inner ones separate the cells.
        const first = skipIndent(s, line.start, line.end);
        const lastChar = trimEndOffset(s, first, line.end);
        if (s[first] === '|') pushSpan(markup, first, first + 1);
        const innerStart = s[first] === '|' ? first + 1 : first;
        const innerEnd = lastChar > innerStart && s[lastChar - 1] === '|' ? lastChar - 1 : lastChar;
        this.inline.scan(innerStart, innerEnd, markup);
        pushSpan(markup, innerEnd, lastChar);
      }
      last = j;
    }
    const start = skipIndent(s, this.lines[i].start, this.lines[i].end);
    this.addBlock('table', start, trimEndOffset(s, start, this.lines[last].end), markup);
    return last + 1;
  }

  private parseList(i: number): number {
    let last = i;
    let j = i + 1;
    while (j < this.lines.length) {
      if (this.blank(j)) {
        let k = j + 1;
        while (k < this.lines.length && this.blank(k)) k++;
        if (k >= this.lines.length) break;
        const text = this.lineText(k);
        if (this.endsList(text) || (indentWidth(text) < 2 && !LIST_ITEM.test(text))) break;
        j = k;
        continue;
      }
      if (this.endsList(this.lineText(j))) break;
      last = j;
      j++;
    }
    const fenceFollows = last + 1 < this.lines.length && this.nextFenceFollows(last + 1);
    this.addInlineBlock('list', i, last);
    this.inListItem = fenceFollows;
    return last + 1;
  }

  private nextFenceFollows(from: number): boolean {
    let k = from;
    while (k < this.lines.length && this.blank(k)) k++;
    return (
      k < this.lines.length &&
      FENCE_OPEN.test(this.lineText(k)) &&
      indentWidth(this.lineText(k)) > 0
    );
  }

  /** A line that ends a list even when indented: a fence, a heading, a rule, a comment. */
  private endsList(text: string): boolean {
    return (
      FENCE_OPEN.test(text) ||
      ATX_HEADING.test(text) ||
      HTML_HEADING.test(text) ||
      THEMATIC_BREAK.test(text) ||
      COMMENT_START.test(text)
    );
  }

  private parseBlockQuote(i: number): number {
    const s = this.source;
    const markers: Span[] = [];
    let last = i;
    for (let j = i; j < this.lines.length && !this.blank(j); j++) {
      const line = this.lines[j];
      let pos = skipIndent(s, line.start, line.end);
      // Nested quote markers (`> > text`) are all markup.
      while (s[pos] === '>') {
        pushSpan(markers, pos, pos + 1);
        pos = skipIndent(s, pos + 1, line.end);
      }
      last = j;
    }
    // Links may wrap onto the next quoted line, so the inline scan covers the whole quote.
    const inline: Span[] = [];
    this.inline.scan(this.lines[i].start, this.lines[last].end, inline);
    this.addBlockFromLines('paragraph', i, last, mergeSpans(markers, inline));
    return last + 1;
  }

  private parseParagraph(i: number): number {
    let last = i;
    for (let j = i + 1; j < this.lines.length; j++) {
      if (this.blank(j)) break;
      const text = this.lineText(j);
      const underline = SETEXT_UNDERLINE.exec(text);
      if (underline) return this.addSetextHeading(i, j, underline[1][0] === '=' ? 1 : 2);
      if (this.interruptsParagraph(j, text)) break;
      last = j;
    }
    this.addInlineBlock('paragraph', i, last);
    return last + 1;
  }

  private interruptsParagraph(j: number, text: string): boolean {
    return (
      this.fenceAt(text) !== undefined ||
      ATX_HEADING.test(text) ||
      HTML_HEADING.test(text) ||
      THEMATIC_BREAK.test(text) ||
      COMMENT_START.test(text) ||
      BLOCK_QUOTE.test(text) ||
      PARAGRAPH_INTERRUPTING_LIST_ITEM.test(text) ||
      this.tableStartsAt(j)
    );
  }

  private addSetextHeading(first: number, underline: number, level: number): number {
    const markup: Span[] = [];
    const s = this.source;
    this.inline.scan(this.lines[first].start, this.lines[underline - 1].end, markup);
    const underlineLine = this.lines[underline];
    pushSpan(markup, underlineLine.start, underlineLine.end);
    const start = skipIndent(s, this.lines[first].start, this.lines[first].end);
    this.addHeading(level, start, trimEndOffset(s, start, underlineLine.end), markup);
    return underline + 1;
  }

  private addInlineBlock(kind: BlockKind, first: number, last: number): void {
    const markup: Span[] = [];
    this.inline.scan(this.lines[first].start, this.lines[last].end, markup);
    this.addBlockFromLines(kind, first, last, markup);
  }

  private addBlockFromLines(kind: BlockKind, first: number, last: number, markup: Span[]): void {
    const s = this.source;
    const start = skipIndent(s, this.lines[first].start, this.lines[first].end);
    this.addBlock(kind, start, trimEndOffset(s, start, this.lines[last].end), markup);
  }

  private addHeading(level: number, start: number, end: number, markup: Span[]): void {
    const title = contentWithout(this.source, start, end, markup).replace(/\s+/g, ' ').trim();
    this.blocks.push({
      kind: 'heading',
      text: title,
      level,
      start,
      end,
      markup: clip(markup, start, end),
    });
  }

  /** Adds the block unless markup is all it holds (a tag-only line, a lone comment). */
  private addBlock(kind: BlockKind, start: number, end: number, markup: Span[] | undefined): void {
    const clipped = markup ? clip(markup, start, end) : [];
    const text = normalizeLineEndings(contentWithout(this.source, start, end, clipped));
    if (text.trim().length === 0) return;
    const block: Block = { kind, text, start, end };
    if (clipped.length > 0) block.markup = clipped;
    this.blocks.push(block);
  }
}

function clip(markup: Span[], start: number, end: number): Span[] {
  const out: Span[] = [];
  for (const span of markup) {
    const from = Math.max(span.start, start);
    const to = Math.min(span.end, end);
    if (to > from) out.push({ start: from, end: to });
  }
  return out;
}

/** The text of [start, end) with the markup ranges (sorted, disjoint, inside it) removed. */
export function contentWithout(
  source: string,
  start: number,
  end: number,
  markup: readonly Span[],
): string {
  if (markup.length === 0) return source.slice(start, end);
  const parts: string[] = [];
  let pos = start;
  for (const span of markup) {
    if (span.start > pos) parts.push(source.slice(pos, span.start));
    pos = Math.max(pos, span.end);
  }
  if (pos < end) parts.push(source.slice(pos, end));
  return parts.join('');
}

export function parseMarkdown(content: string): ParsedDocument {
  return new MarkdownBlockParser(content).parse();
}
