export type DocumentFormat = 'text' | 'markdown' | 'html';

export type BlockKind = 'heading' | 'paragraph' | 'code' | 'list' | 'table';

/** A half-open range of offsets into `ParsedDocument.text`. */
export interface Span {
  start: number;
  end: number;
}

export interface Block {
  kind: BlockKind;
  /**
   * The block's content: `ParsedDocument.text.slice(start, end)` without its `markup` ranges,
   * line endings normalized to `\n`. For a heading, its title on one line.
   */
  text: string;
  /** 1-6, headings only. */
  level?: number;
  start: number;
  end: number;
  /**
   * Ranges inside [start, end) that are syntax rather than content (Markdown heading markers,
   * HTML tags and comments, link targets, table delimiter rows, block quote markers), sorted
   * and disjoint. Absent when the block has none.
   */
  markup?: Span[];
}

export interface ParsedDocument {
  /** Markdown, text: the original content. HTML: the extracted text, blocks joined by blank lines. */
  text: string;
  blocks: Block[];
  /** Markdown only: the YAML front matter (between the `---` lines at the very top), unparsed. */
  frontMatter?: string;
}

export interface ChunkerOptions {
  /** Hard limit: `countTokens(chunk.text) <= maxTokens` for every chunk. */
  maxTokens: number;
  /** Roughly how many tokens of the previous chunk a chunk of the same section starts with. */
  overlapTokens: number;
  /** The embedding model's own token counter. May be slow: it is called O(chunks) times. */
  countTokens: (text: string) => number;
  /**
   * Start each chunk's text with its heading path (`Guide > Install > Linux`) when that costs at
   * most a quarter of `maxTokens` (else the nearest headings that fit, else nothing). Default true.
   */
  headingContext?: boolean;
}

export interface Chunk {
  index: number;
  /** What gets embedded and stored: the heading context (if any), a blank line, then the body. */
  text: string;
  /** Titles of the enclosing headings, outermost first; empty before the first heading. */
  headingPath: string[];
  /** Offset in `text` where the body starts (0 when there is no heading context). */
  bodyOffset: number;
  /**
   * The body's source range in `ParsedDocument.text`, overlap included: the slice starts with the
   * body's first word and ends with its last, and holds the body's words in order, plus only
   * markup and dropped syntax (comments, rules, tag-only lines) between them.
   */
  start: number;
  end: number;
}
