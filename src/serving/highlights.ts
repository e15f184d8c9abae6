import { porterStem } from '../store/bm25/porter-stemmer';
import { ENGLISH_STOP_WORDS } from '../store/bm25/stop-words';
import type { QueryTerms } from './lexical-index';

const WORD = /[\p{L}\p{N}]+(?:['\u2019][\p{L}\p{N}]+)*/gu;
const MAX_HIGHLIGHTS = 64;

/**
 * Character ranges of `text` whose words match a query term (the same lower-casing, stop
 * words and stemming as BM25), in order, at most 64.
 */
export function highlightRanges(text: string, terms: QueryTerms): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  if (terms.size === 0) return ranges;
  for (const match of text.matchAll(WORD)) {
    const word = match[0]
      .normalize('NFKC')
      .toLowerCase()
      .replace(/['\u2019]/g, '');
    if (ENGLISH_STOP_WORDS.has(word) || !terms.has(porterStem(word))) continue;
    const start = match.index ?? 0;
    ranges.push([start, start + match[0].length]);
    if (ranges.length >= MAX_HIGHLIGHTS) break;
  }
  return ranges;
}
