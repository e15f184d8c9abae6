import { seededRandom } from './random';
import { SUFFIX_WORDS, UniqueQueries } from './unique-queries';

const vocabulary = Array.from(
  { length: 64 },
  (_, i) => `word${String.fromCharCode(97 + (i % 26))}${i}`,
);
const pool = ['how are titles chosen', 'retrieval of articles'];

describe('UniqueQueries', () => {
  it('never repeats a query within a stream, across streams, or across bases', () => {
    const random = seededRandom(1);
    const streams = [0, 1, 2].map((s) => new UniqueQueries(pool, vocabulary, s));
    const all = streams.flatMap((q) => Array.from({ length: 3000 }, () => q.next(random)));

    expect(new Set(all).size).toBe(all.length);
  });

  it('is a pool query followed by vocabulary words', () => {
    const q = new UniqueQueries(pool, vocabulary, 5).next(() => 0);
    const words = q.split(' ');

    expect(q.startsWith('how are titles chosen ')).toBe(true);
    expect(words.slice(-SUFFIX_WORDS).every((w) => vocabulary.includes(w))).toBe(true);
  });

  it('refuses to repeat once a stream is used up', () => {
    const q = new UniqueQueries(pool, vocabulary, 0);
    for (let i = 0; i < 64 * 64; i++) q.next();
    expect(() => q.next()).toThrow(/used up/);
  });

  it('needs a pool and enough distinct words', () => {
    expect(() => new UniqueQueries([], vocabulary, 0)).toThrow(RangeError);
    expect(() => new UniqueQueries(pool, vocabulary.slice(0, 10), 0)).toThrow(RangeError);
    expect(() => new UniqueQueries(pool, [...vocabulary, vocabulary[0]], 0)).toThrow(RangeError);
  });
});
