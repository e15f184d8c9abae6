import { seededRandom } from '../../src/common/seeded-random';

/**
 * Synthetic chunk texts whose words follow Zipf's law (frequency ∝ 1 / rank^exponent), as
 * words in real text do once stop words are gone, so an inverted index built over them has
 * realistic postings: a few terms in almost every document, a long tail in a handful. Words
 * are made of three consonant-vowel syllables ("kasotu"): never stop words, and distinct
 * after stemming. Deterministic for a seed.
 */
const CONSONANTS = 'bcdfghklmnprstvz';
const VOWELS = 'aeiou';
const SYLLABLES = [...CONSONANTS].flatMap((c) => [...VOWELS].map((v) => c + v));

function word(index: number): string {
  const n = SYLLABLES.length;
  return (
    SYLLABLES[index % n] +
    SYLLABLES[Math.floor(index / n) % n] +
    SYLLABLES[Math.floor(index / n / n) % n]
  );
}

export interface ZipfTextOptions {
  vocabulary: number;
  exponent: number;
  minWords: number;
  maxWords: number;
  seed: number;
}

/** A generator of chunk texts: each call gives the next one. */
export function zipfTexts(options: ZipfTextOptions): () => string {
  if (options.vocabulary > SYLLABLES.length ** 3) throw new RangeError('vocabulary too large');
  const random = seededRandom(options.seed);
  const words = Array.from({ length: options.vocabulary }, (_, i) => word(i));
  const cumulative = new Float64Array(options.vocabulary);
  let total = 0;
  for (let rank = 0; rank < options.vocabulary; rank++) {
    total += 1 / (rank + 1) ** options.exponent;
    cumulative[rank] = total;
  }
  const draw = (): string => {
    const target = random() * total;
    let lo = 0;
    let hi = options.vocabulary - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < target) lo = mid + 1;
      else hi = mid;
    }
    return words[lo];
  };
  return () => {
    const count =
      options.minWords + Math.floor(random() * (options.maxWords - options.minWords + 1));
    return Array.from({ length: count }, draw).join(' ');
  };
}
