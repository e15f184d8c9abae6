const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const utf8 = new TextEncoder();

/**
 * A term's id in sparse vectors: 32-bit FNV-1a over its UTF-8 bytes, as an unsigned integer.
 * Stable across processes and releases (ids are stored), so never change it for a collection
 * that has data. Collisions are rare at vocabulary sizes of 10^5 and only merge two terms.
 */
export function termId(term: string): number {
  let hash = FNV_OFFSET_BASIS;
  for (const byte of utf8.encode(term)) {
    hash ^= byte;
    hash = Math.imul(hash, FNV_PRIME);
  }
  return hash >>> 0;
}
