import { isWhitespaceCode as isSpace } from './lines';
import { estimateTokens } from './token-estimate';
import type { Block, ParsedDocument, Span } from './types';

/** How good a place the start of a piece is to begin a chunk; higher is better. */
export const Boundary = {
  /** Inside a word split only because markup or a size limit cut it: avoid. */
  Glued: -1,
  Word: 0,
  /** A soft line break inside a paragraph. */
  Line: 1,
  Sentence: 2,
  /** A list item, a table row, a line of code. */
  Item: 3,
  Block: 4,
} as const;

/**
 * The smallest unit the chunker moves: a word of prose, a line of code (or a fragment of an
 * oversized one). Its text is exactly `source.slice(start, end)`, never markup.
 */
export interface Piece {
  start: number;
  end: number;
  /** Rendered before the piece unless it opens a chunk: ' ', '\n', '\n\n', '' (glued), ... */
  sep: string;
  level: number;
  /** Estimated tokens of the piece's text, and of its separator. */
  est: number;
  sepEst: number;
  /** Index of the piece's block within its section. */
  block: number;
}

export interface Section {
  headingPath: string[];
  pieces: Piece[];
  /** Estimated tokens of each block of the section, rendered alone. */
  blockEst: number[];
  /** Index of each block's first piece. */
  blockStart: number[];
}

const LIST_MARKER = /^(?:[-+*]|\d{1,9}[.)])$/;
const SENTENCE_END = /[.!?…。！？]["'”’»)\]*_`]*$/;

const sepEstimates = new Map<string, number>();
function sepEstimate(sep: string): number {
  let value = sepEstimates.get(sep);
  if (value === undefined) {
    value = estimateTokens(sep);
    if (sepEstimates.size < 1000) sepEstimates.set(sep, value);
  }
  return value;
}

/**
 * Groups a parsed document's content blocks into sections (a heading starts one) and cuts each
 * block into pieces. Pieces larger than `maxPieceEst` estimated tokens are cut further: long code
 * lines at spaces, then any oversized word into fragments of about `maxPieceEst / 2`.
 */
export function buildSections(parsed: ParsedDocument, maxPieceEst: number): Section[] {
  const sections: Section[] = [];
  const headings: Array<{ level: number; title: string }> = [];
  let current: Section = { headingPath: [], pieces: [], blockEst: [], blockStart: [] };
  const builder = new PieceBuilder(parsed.text, Math.max(1, maxPieceEst));
  for (const block of parsed.blocks) {
    if (block.kind === 'heading') {
      if (current.pieces.length > 0) sections.push(current);
      const level = block.level ?? 1;
      while (headings.length > 0 && headings[headings.length - 1].level >= level) headings.pop();
      headings.push({ level, title: block.text.trim() });
      const headingPath = headings.map((h) => h.title).filter((t) => t.length > 0);
      current = { headingPath, pieces: [], blockEst: [], blockStart: [] };
      continue;
    }
    const before = current.pieces.length;
    builder.addBlock(block, current.blockEst.length, current.pieces);
    if (current.pieces.length > before) {
      let est = 0;
      for (let i = before; i < current.pieces.length; i++) {
        est += current.pieces[i].est + (i > before ? current.pieces[i].sepEst : 0);
      }
      current.blockEst.push(est);
      current.blockStart.push(before);
    }
  }
  if (current.pieces.length > 0) sections.push(current);
  return sections;
}

class PieceBuilder {
  constructor(
    private readonly source: string,
    private readonly maxPieceEst: number,
  ) {}

  addBlock(block: Block, blockIndex: number, out: Piece[]): void {
    if (block.kind === 'code') this.addCodeLines(block, blockIndex, out);
    else this.addWords(block, blockIndex, out);
  }

  /**
   * Words of prose, lists and tables, markup skipped. A line start is an item boundary in a
   * table, and in a list when a list marker follows.
   */
  private addWords(block: Block, blockIndex: number, out: Piece[]): void {
    const s = this.source;
    const markup: readonly Span[] = block.markup ?? [];
    const rowsAreItems = block.kind === 'table';
    const isList = block.kind === 'list';
    let m = 0;
    let pos = block.start;
    let first = true;
    let sawSpace = false;
    let sawNewline = false;
    let indent = '';
    let previousEnd = -1;
    while (pos < block.end) {
      while (m < markup.length && markup[m].end <= pos) m++;
      if (m < markup.length && markup[m].start <= pos) {
        pos = markup[m].end;
        continue;
      }
      const code = s.charCodeAt(pos);
      if (isSpace(code)) {
        if (code === 10 || code === 13) {
          sawNewline = true;
          indent = '';
        } else if (sawNewline && (code === 32 || code === 9)) indent += s[pos];
        sawSpace = true;
        pos++;
        continue;
      }
      const stop = m < markup.length ? Math.min(markup[m].start, block.end) : block.end;
      let end = pos + 1;
      while (end < stop && !isSpace(s.charCodeAt(end))) end++;
      let sep: string;
      let level: number;
      if (first) {
        sep = '\n\n';
        level = Boundary.Block;
      } else if (sawNewline && (rowsAreItems || (isList && LIST_MARKER.test(s.slice(pos, end))))) {
        sep = '\n' + (isList ? indent.slice(0, 8) : '');
        level = Boundary.Item;
      } else if (!sawSpace) {
        sep = '';
        level = Boundary.Glued;
      } else {
        sep = ' ';
        const sentence =
          startsSentence(s, pos) &&
          SENTENCE_END.test(s.slice(Math.max(0, previousEnd - 8), previousEnd));
        level = sentence ? Boundary.Sentence : sawNewline ? Boundary.Line : Boundary.Word;
      }
      this.push(out, pos, end, sep, level, blockIndex);
      first = false;
      sawSpace = false;
      sawNewline = false;
      indent = '';
      previousEnd = end;
      pos = end;
    }
  }

  /** One piece per non-blank line, indentation kept; blank lines survive as a blank separator. */
  private addCodeLines(block: Block, blockIndex: number, out: Piece[]): void {
    const s = this.source;
    let lineStart = block.start;
    let blankLines = 0;
    let first = true;
    while (lineStart < block.end) {
      let lineEnd = lineStart;
      while (lineEnd < block.end && s.charCodeAt(lineEnd) !== 10 && s.charCodeAt(lineEnd) !== 13)
        lineEnd++;
      let contentEnd = lineEnd;
      while (contentEnd > lineStart && isSpace(s.charCodeAt(contentEnd - 1))) contentEnd--;
      if (contentEnd === lineStart) blankLines++;
      else {
        const sep = first ? '\n\n' : blankLines > 0 ? '\n\n' : '\n';
        this.pushLine(
          out,
          lineStart,
          contentEnd,
          sep,
          first ? Boundary.Block : Boundary.Item,
          blockIndex,
        );
        first = false;
        blankLines = 0;
      }
      lineStart = lineEnd;
      if (s.charCodeAt(lineStart) === 13) lineStart++;
      if (s.charCodeAt(lineStart) === 10) lineStart++;
    }
  }

  private pushLine(
    out: Piece[],
    start: number,
    end: number,
    sep: string,
    level: number,
    blockIndex: number,
  ): void {
    if (estimateTokens(this.source, start, end) <= this.maxPieceEst) {
      this.push(out, start, end, sep, level, blockIndex);
      return;
    }
    // An oversized line: split at spaces, keeping the original spacing as separators.
    const s = this.source;
    let pos = start;
    while (pos < end && isSpace(s.charCodeAt(pos))) pos++;
    let wordStart = start;
    let pieceSep = sep;
    let pieceLevel = level;
    while (pos < end) {
      let wordEnd = pos;
      while (wordEnd < end && !isSpace(s.charCodeAt(wordEnd))) wordEnd++;
      this.push(out, wordStart, wordEnd, pieceSep, pieceLevel, blockIndex);
      let next = wordEnd;
      while (next < end && isSpace(s.charCodeAt(next))) next++;
      pieceSep = s.slice(wordEnd, next);
      pieceLevel = Boundary.Word;
      wordStart = next;
      pos = next;
    }
  }

  private push(
    out: Piece[],
    start: number,
    end: number,
    sep: string,
    level: number,
    blockIndex: number,
  ): void {
    const est = estimateTokens(this.source, start, end);
    if (est <= this.maxPieceEst) {
      out.push({ start, end, sep, level, est, sepEst: sepEstimate(sep), block: blockIndex });
      return;
    }
    // A word longer than a chunk can hold (a URL, a hash, unspaced script): fragments of similar
    // size. Indentation that large is not worth keeping.
    while (isSpace(this.source.charCodeAt(start))) start++;
    const fragments = Math.ceil((estimateTokens(this.source, start, end) * 2) / this.maxPieceEst);
    const step = Math.max(1, Math.ceil((end - start) / fragments));
    let from = start;
    while (from < end) {
      let to = Math.min(end, from + step);
      const code = this.source.charCodeAt(to - 1);
      if (to < end && code >= 0xd800 && code <= 0xdbff) to++;
      const fragmentSep = from === start ? sep : '';
      out.push({
        start: from,
        end: to,
        sep: fragmentSep,
        level: from === start ? level : Boundary.Glued,
        est: estimateTokens(this.source, from, to),
        sepEst: sepEstimate(fragmentSep),
        block: blockIndex,
      });
      from = to;
    }
  }
}

function startsSentence(s: string, pos: number): boolean {
  const code = s.charCodeAt(pos);
  return !(code >= 97 && code <= 122);
}

/**
 * Makes a piece that does not fit a chunk smaller: drops its indentation if it has some, else
 * splits it at the whitespace nearest its middle, else at the middle (never inside a surrogate
 * pair). Undefined when it is a single character.
 */
export function halvePiece(source: string, piece: Piece): Piece[] | undefined {
  let textStart = piece.start;
  while (textStart < piece.end && isSpace(source.charCodeAt(textStart))) textStart++;
  if (textStart > piece.start) {
    return [{ ...piece, start: textStart, est: estimateTokens(source, textStart, piece.end) }];
  }
  if (piece.end - piece.start < 2) return undefined;
  const middle = piece.start + Math.floor((piece.end - piece.start) / 2);
  for (let distance = 0; middle - distance > piece.start; distance++) {
    for (const at of [middle - distance, middle + distance]) {
      if (at <= piece.start || at >= piece.end || !isSpace(source.charCodeAt(at))) continue;
      let next = at;
      while (next < piece.end && isSpace(source.charCodeAt(next))) next++;
      return splitAt(source, piece, at, next, source.slice(at, next), Boundary.Word);
    }
  }
  let cut = middle;
  const code = source.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut++;
  if (cut >= piece.end) return undefined;
  return splitAt(source, piece, cut, cut, '', Boundary.Glued);
}

function splitAt(
  source: string,
  piece: Piece,
  firstEnd: number,
  secondStart: number,
  sep: string,
  level: number,
): Piece[] {
  return [
    { ...piece, end: firstEnd, est: estimateTokens(source, piece.start, firstEnd) },
    {
      ...piece,
      start: secondStart,
      sep,
      sepEst: sepEstimate(sep),
      level,
      est: estimateTokens(source, secondStart, piece.end),
    },
  ];
}
