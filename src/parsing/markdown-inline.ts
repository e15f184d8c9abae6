import type { Span } from './types';

/**
 * Memoizes `source.indexOf(needle, from)` for searches whose start only moves forward, so that
 * repeated failed searches (an unclosed `<!--` in every paragraph) stay linear overall.
 */
class NextOccurrence {
  private searchedFrom = -1;
  private found = -1;

  constructor(
    private readonly source: string,
    private readonly needle: string,
  ) {}

  find(from: number): number {
    const reusable =
      this.searchedFrom >= 0 &&
      from >= this.searchedFrom &&
      (this.found === -1 || this.found >= from);
    if (!reusable) {
      this.searchedFrom = from;
      this.found = this.source.indexOf(this.needle, from);
    }
    return this.found;
  }
}

const MAX_LINK_TEXT = 500;
const MAX_LINK_TARGET = 2000;
const MAX_TAG = 1000;
const TAG =
  /^<\/?[A-Za-z][A-Za-z0-9-]*(?:\s+[^\s"'<>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*\s*\/?>/;

/**
 * Finds the inline syntax of Markdown text that is not content: HTML comments and tags, the
 * brackets and targets of links and images (the link text stays). Code spans are left intact.
 * One instance per document: its searches are memoized across blocks.
 */
export class MarkdownInlineScanner {
  private readonly commentEnd: NextOccurrence;
  private readonly closeBracket: NextOccurrence;
  private readonly backtickRuns = new Map<number, NextOccurrence>();

  constructor(private readonly source: string) {
    this.commentEnd = new NextOccurrence(source, '-->');
    this.closeBracket = new NextOccurrence(source, ']');
  }

  /** Appends the markup ranges of [from, to) to `out`, in order, merging adjacent ones. */
  scan(from: number, to: number, out: Span[]): void {
    const s = this.source;
    const pendingTargets: Span[] = [];
    let pos = from;
    while (pos < to) {
      const top = pendingTargets[pendingTargets.length - 1];
      if (top !== undefined && pos >= top.start) {
        pendingTargets.pop();
        pushSpan(out, top.start, top.end);
        pos = top.end;
        continue;
      }
      const limit = top === undefined ? to : top.start;
      const ch = s.charCodeAt(pos);
      if (ch === 92 /* \ */) {
        pos += 2;
      } else if (ch === 96 /* ` */) {
        pos = this.skipCodeSpan(pos, limit);
      } else if (ch === 60 /* < */) {
        const end = this.htmlEnd(pos, limit);
        if (end > pos) {
          pushSpan(out, pos, end);
          pos = end;
        } else pos++;
      } else if (ch === 91 /* [ */ || (ch === 33 /* ! */ && s.charCodeAt(pos + 1) === 91)) {
        const open = ch === 33 ? pos + 1 : pos;
        const target = this.linkTarget(open, limit);
        if (target) {
          pushSpan(out, pos, open + 1);
          pendingTargets.push(target);
          pos = open + 1;
        } else pos = open + 1;
      } else pos++;
    }
    for (let i = pendingTargets.length - 1; i >= 0; i--) {
      pushSpan(out, pendingTargets[i].start, Math.min(pendingTargets[i].end, to));
    }
  }

  private skipCodeSpan(pos: number, to: number): number {
    const s = this.source;
    let runEnd = pos;
    while (runEnd < to && s.charCodeAt(runEnd) === 96) runEnd++;
    const length = runEnd - pos;
    let finder = this.backtickRuns.get(length);
    if (!finder) {
      finder = new NextOccurrence(s, '`'.repeat(length));
      this.backtickRuns.set(length, finder);
    }
    let from = runEnd;
    for (;;) {
      const close = finder.find(from);
      if (close < 0 || close + length > to) return runEnd;
      let closeEnd = close + length;
      if (s.charCodeAt(close - 1) !== 96 && s.charCodeAt(closeEnd) !== 96) return closeEnd;
      while (closeEnd < to && s.charCodeAt(closeEnd) === 96) closeEnd++;
      from = closeEnd;
    }
  }

  /** End of an HTML comment or tag starting at `pos`, or `pos` when there is none. */
  private htmlEnd(pos: number, to: number): number {
    const s = this.source;
    if (s.startsWith('<!--', pos)) {
      const close = this.commentEnd.find(pos + 4);
      return close >= 0 && close + 3 <= to ? close + 3 : pos;
    }
    const next = s.charCodeAt(pos + 1);
    const isTagStart =
      next === 47 /* / */ || (next >= 65 && next <= 90) || (next >= 97 && next <= 122);
    if (!isTagStart) return pos;
    const match = TAG.exec(s.slice(pos, Math.min(to, pos + MAX_TAG)));
    return match ? pos + match[0].length : pos;
  }

  /** For `[text](target)` or `[text][ref]` opening at `open`: the span from `]` to the end. */
  private linkTarget(open: number, to: number): Span | undefined {
    const s = this.source;
    const firstClose = this.closeBracket.find(open + 1);
    if (firstClose < 0 || firstClose >= to || firstClose - open > MAX_LINK_TEXT) return undefined;
    const close = matchingBracket(s, open, Math.min(to, open + MAX_LINK_TEXT));
    if (close < 0 || close + 1 >= to) return undefined;
    const after = s.charCodeAt(close + 1);
    if (after === 40 /* ( */) {
      const end = matchingParen(s, close + 1, Math.min(to, close + MAX_LINK_TARGET));
      return end < 0 ? undefined : { start: close, end: end + 1 };
    }
    if (after === 91 /* [ */) {
      const end = matchingBracket(s, close + 1, Math.min(to, close + MAX_LINK_TEXT));
      return end < 0 ? undefined : { start: close, end: end + 1 };
    }
    return undefined;
  }
}

function matchingBracket(s: string, open: number, to: number): number {
  let depth = 0;
  for (let i = open; i < to; i++) {
    const ch = s.charCodeAt(i);
    if (ch === 92) i++;
    else if (ch === 91) depth++;
    else if (ch === 93 && --depth === 0) return i;
  }
  return -1;
}

function matchingParen(s: string, open: number, to: number): number {
  let depth = 0;
  for (let i = open; i < to; i++) {
    const ch = s.charCodeAt(i);
    if (ch === 92) i++;
    else if (ch === 40) depth++;
    else if (ch === 41 && --depth === 0) return i;
    else if (ch === 10 && s.charCodeAt(i + 1) === 10) return -1;
  }
  return -1;
}

export function pushSpan(out: Span[], start: number, end: number): void {
  if (end <= start) return;
  const last = out[out.length - 1];
  if (last !== undefined && last.end >= start) {
    if (end > last.end) last.end = end;
    return;
  }
  out.push({ start, end });
}

/** Union of two sorted span lists, sorted and disjoint. */
export function mergeSpans(a: readonly Span[], b: readonly Span[]): Span[] {
  const out: Span[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const next = j >= b.length || (i < a.length && a[i].start <= b[j].start) ? a[i++] : b[j++];
    pushSpan(out, next.start, next.end);
  }
  return out;
}
