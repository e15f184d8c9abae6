import { porterStem } from './porter-stemmer';
import { ENGLISH_STOP_WORDS } from './stop-words';

/** Longer "words" are almost always base64, hashes or URLs: noise for keyword search. */
const MAX_TOKEN_LENGTH = 64;
const WORD_SEPARATOR = /[^\p{L}\p{N}]+/u;
const APOSTROPHES = /['\u2019]/g;

/**
 * Text -> search terms: Unicode-normalised, lowercased, split on anything that is not a letter
 * or digit (apostrophes removed first, so "don't" is one word), stop words dropped, English
 * words Porter-stemmed. Used for both documents and queries, so both sides agree on terms.
 */
export function tokenize(text: string): string[] {
  const words = text.normalize('NFKC').toLowerCase().replace(APOSTROPHES, '').split(WORD_SEPARATOR);
  const terms: string[] = [];
  for (const word of words) {
    if (word.length === 0 || word.length > MAX_TOKEN_LENGTH) continue;
    if (ENGLISH_STOP_WORDS.has(word)) continue;
    terms.push(porterStem(word));
  }
  return terms;
}
