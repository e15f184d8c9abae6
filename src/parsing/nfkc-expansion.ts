/**
 * How much longer a text becomes under Unicode NFKC, the normalisation embedders and BM25
 * apply: about 1 for any real text, but a few compatibility characters expand many-fold
 * (U+FDFA is 18 characters, U+3316 six), so a small document of them becomes hundreds of chunks.
 * A linear scan with a per-code-unit table, cheap enough to run on every document at the door.
 */
const expandedLengths = new Uint8Array(0x10000);

function expandedLength(code: number): number {
  let length = expandedLengths[code];
  if (length === 0) {
    length = Math.min(255, Math.max(1, String.fromCharCode(code).normalize('NFKC').length));
    expandedLengths[code] = length;
  }
  return length;
}

/** The length `text` has after NFKC, estimated per character (exact for BMP text). */
export function nfkcLength(text: string): number {
  let total = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // ASCII and surrogates (astral characters rarely expand) count as themselves.
    total += code < 0xa0 || (code >= 0xd800 && code <= 0xdfff) ? 1 : expandedLength(code);
  }
  return total;
}

/** A document may grow at most this many times under NFKC ... */
export const MAX_NFKC_EXPANSION = 3;
/** ... beyond this many characters: a short text with a few such characters is fine. */
const EXPANSION_ALLOWANCE = 4096;

/** Why a document's text expands too much under NFKC to be accepted, or undefined. */
export function nfkcExpansionProblem(text: string): string | undefined {
  const expanded = nfkcLength(text);
  if (expanded <= MAX_NFKC_EXPANSION * Math.max(text.length, EXPANSION_ALLOWANCE)) return undefined;
  const ratio = (expanded / text.length).toFixed(1);
  return `content grows ${ratio}-fold under Unicode NFKC normalisation (${text.length} characters become ${expanded}; characters such as U+FDFA expand many-fold); at most ${MAX_NFKC_EXPANSION}-fold is accepted`;
}
