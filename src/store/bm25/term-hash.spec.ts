import { termId } from './term-hash';

describe('termId', () => {
  it('is 32-bit FNV-1a (published test vectors), as an unsigned integer', () => {
    expect(termId('')).toBe(0x811c9dc5);
    expect(termId('a')).toBe(0xe40c292c);
    expect(termId('foobar')).toBe(0xbf9cf968);
  });

  it('hashes UTF-8 bytes, so non-ASCII terms get stable u32 ids', () => {
    const id = termId('café');
    expect(id).toBe(2821410889);
    expect(Number.isInteger(id) && id >= 0 && id <= 0xffffffff).toBe(true);
  });

  it('gives distinct ids to a realistic vocabulary', () => {
    const words = Array.from({ length: 20000 }, (_, i) => `term${i}`);
    expect(new Set(words.map(termId)).size).toBe(words.length);
  });
});
